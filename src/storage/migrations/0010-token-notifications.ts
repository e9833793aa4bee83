/**
 * The notices owed to token owners (notifications/notification.store.ts),
 * once per token and kind, and named leases (notifications/lease.store.ts)
 * so that one instance at a time delivers them.
 */
import type { Migration } from 'kysely';
import type { DialectHelper } from '../dialects/dialect.js';

/** Builds the migration for `dialect`. */
export function tokenNotifications(dialect: DialectHelper): Migration {
  const ts = dialect.timestampType;
  return {
    async up(db) {
      await db.schema
        .createTable('token_notifications')
        .addColumn('id', 'integer', (c) => dialect.autoIncrementId(c))
        .addColumn('token_id', 'integer', (c) => c.notNull().references('personal_access_tokens.id').onDelete('cascade'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('leak', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('next_attempt_at', ts, (c) => c.notNull())
        .addColumn('settled_at', ts)
        .execute();
      await db.schema
        .createIndex('token_notifications_token_kind_unique')
        .on('token_notifications')
        .unique()
        .columns(['token_id', 'kind'])
        .execute();
      await db.schema
        .createIndex('token_notifications_due')
        .on('token_notifications')
        .columns(['status', 'next_attempt_at'])
        .execute();
      await db.schema.createIndex('personal_access_tokens_expires_at').on('personal_access_tokens').column('expires_at').execute();

      await db.schema
        .createTable('leases')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('expires_at', ts, (c) => c.notNull())
        .execute();
    },

    async down(db) {
      await db.schema.dropTable('leases').execute();
      await db.schema.dropIndex('personal_access_tokens_expires_at').execute();
      await db.schema.dropTable('token_notifications').execute();
    },
  };
}
