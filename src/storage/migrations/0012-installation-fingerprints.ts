/**
 * What every instance of one installation must share, as the first
 * instance recorded it (setup/installation.store.ts): one-way fingerprints
 * of the server secret, the registry signing key and the SSH host keys.
 */
import type { Migration } from 'kysely';
import type { DialectHelper } from '../dialects/dialect.js';

/** Builds the migration for `dialect`. */
export function installationFingerprints(dialect: DialectHelper): Migration {
  return {
    async up(db) {
      await db.schema
        .createTable('installation_fingerprints')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('recorded_at', dialect.timestampType, (c) => c.notNull())
        .execute();
    },

    async down(db) {
      await db.schema.dropTable('installation_fingerprints').execute();
    },
  };
}
