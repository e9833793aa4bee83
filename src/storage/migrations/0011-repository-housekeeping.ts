/**
 * Housekeeping's record per project (housekeeping/housekeeping.store.ts):
 * the pushes since its last full repack and when each kind of run last
 * finished. Gone with the project.
 */
import type { Migration } from 'kysely';
import type { DialectHelper } from '../dialects/dialect.js';

/** Builds the migration for `dialect`. */
export function repositoryHousekeeping(dialect: DialectHelper): Migration {
  const ts = dialect.timestampType;
  return {
    async up(db) {
      await db.schema
        .createTable('repository_housekeeping')
        .addColumn('project_id', 'integer', (c) => c.primaryKey().references('projects.id').onDelete('cascade'))
        .addColumn('pushes_since_full', 'integer', (c) => c.notNull())
        .addColumn('last_incremental_at', ts)
        .addColumn('last_full_at', ts)
        .execute();
    },

    async down(db) {
      await db.schema.dropTable('repository_housekeeping').execute();
    },
  };
}
