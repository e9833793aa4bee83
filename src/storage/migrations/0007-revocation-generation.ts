/**
 * The revocation generation (tokens/revocation-generation.store.ts): one
 * row holding a counter that every token invalidation advances.
 */
import type { Migration } from 'kysely';

/** Builds the migration (the same on both dialects). */
export function revocationGeneration(): Migration {
  return {
    async up(db) {
      await db.schema
        .createTable('revocation_generation')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('value', 'bigint', (c) => c.notNull())
        .execute();
      await db.insertInto('revocation_generation').values({ id: 1, value: 0 }).execute();
    },

    async down(db) {
      await db.schema.dropTable('revocation_generation').execute();
    },
  };
}
