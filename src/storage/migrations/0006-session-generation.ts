/**
 * A counter on each account that a change of its credentials (password,
 * two-factor authentication, blocking) advances. Web sessions remember the
 * value they were started with and die when it moves, wherever they are
 * stored, even restored from an old Redis snapshot.
 */
import type { Migration } from 'kysely';

/** Builds the migration (the same on both dialects). */
export function sessionGeneration(): Migration {
  return {
    async up(db) {
      await db.schema
        .alterTable('users')
        .addColumn('session_generation', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },

    async down(db) {
      await db.schema.alterTable('users').dropColumn('session_generation').execute();
    },
  };
}
