/**
 * Per-account failed sign-in counts and locks (GitLab's Devise lockable),
 * in their own table: the users row stays what the token cache reads, and a
 * failure is one upsert that never touches it.
 */
import type { Migration } from 'kysely';
import type { DialectHelper } from '../dialects/dialect.js';

/** Builds the migration for `dialect`. */
export function accountLockouts(dialect: DialectHelper): Migration {
  return {
    async up(db) {
      await db.schema
        .createTable('account_lockouts')
        .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
        .addColumn('failed_attempts', 'integer', (c) => c.notNull())
        .addColumn('locked_until', dialect.timestampType)
        .addColumn('updated_at', dialect.timestampType, (c) => c.notNull())
        .execute();
    },

    async down(db) {
      await db.schema.dropTable('account_lockouts').execute();
    },
  };
}
