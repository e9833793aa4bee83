/**
 * The audit trail (audit/audit.store.ts). No foreign keys: an event
 * outlives the account, token or key it names. `once_key` is unique (NULLs
 * do not collide on either engine), so an event recorded "once ever" is
 * recorded once even when several instances see it at the same moment.
 */
import type { Migration } from 'kysely';
import type { DialectHelper } from '../dialects/dialect.js';

/** Builds the migration for `dialect`. */
export function auditEvents(dialect: DialectHelper): Migration {
  return {
    async up(db) {
      await db.schema
        .createTable('audit_events')
        .addColumn('id', 'integer', (c) => dialect.autoIncrementId(c))
        .addColumn('created_at', dialect.timestampType, (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('author_id', 'integer', (c) => c.notNull())
        .addColumn('author_name', 'text', (c) => c.notNull())
        .addColumn('entity_type', 'text', (c) => c.notNull())
        .addColumn('entity_id', 'integer', (c) => c.notNull())
        .addColumn('entity_path', 'text', (c) => c.notNull())
        .addColumn('target_type', 'text')
        .addColumn('target_id', 'integer')
        .addColumn('target_details', 'text')
        .addColumn('ip_address', 'text')
        .addColumn('request_id', 'text')
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('once_key', 'text')
        .execute();
      await db.schema.createIndex('audit_events_once_key_unique').on('audit_events').unique().column('once_key').execute();
      await db.schema.createIndex('audit_events_created_at').on('audit_events').column('created_at').execute();
      await db.schema.createIndex('audit_events_entity').on('audit_events').columns(['entity_type', 'entity_id', 'id']).execute();
      await db.schema.createIndex('audit_events_author').on('audit_events').columns(['author_id', 'id']).execute();
    },

    async down(db) {
      await db.schema.dropTable('audit_events').execute();
    },
  };
}
