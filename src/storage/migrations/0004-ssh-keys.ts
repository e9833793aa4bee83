/**
 * SSH public keys for Git over SSH (GitLab's `keys` table): one owner each,
 * a globally unique SHA-256 fingerprint, optional expiry, last use.
 */
import type { Migration } from 'kysely';
import type { DialectHelper } from '../dialects/dialect.js';

/** Builds the migration for `dialect`. */
export function sshKeys(dialect: DialectHelper): Migration {
  const ts = dialect.timestampType;
  return {
    async up(db) {
      await db.schema
        .createTable('ssh_keys')
        .addColumn('id', 'integer', (c) => dialect.autoIncrementId(c))
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('fingerprint_sha256', 'text', (c) => c.notNull())
        .addColumn('usage_type', 'text', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('expires_at', ts)
        .addColumn('last_used_at', ts)
        .execute();
      await db.schema.createIndex('ssh_keys_fingerprint_sha256_unique').on('ssh_keys').unique().column('fingerprint_sha256').execute();
      await db.schema.createIndex('ssh_keys_user_id').on('ssh_keys').column('user_id').execute();
    },

    async down(db) {
      await db.schema.dropTable('ssh_keys').execute();
    },
  };
}
