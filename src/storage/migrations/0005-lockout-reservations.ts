/**
 * Account lockout attempts are reserved before the password or code is
 * checked: the checks in flight are counted beside the failures, with the
 * instant after which they are presumed lost.
 */
import type { Migration } from 'kysely';
import type { DialectHelper } from '../dialects/dialect.js';

/** Builds the migration for `dialect`. */
export function lockoutReservations(dialect: DialectHelper): Migration {
  return {
    async up(db) {
      await db.schema
        .alterTable('account_lockouts')
        .addColumn('attempts_in_flight', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('account_lockouts').addColumn('in_flight_until', dialect.timestampType).execute();
    },

    async down(db) {
      await db.schema.alterTable('account_lockouts').dropColumn('in_flight_until').execute();
      await db.schema.alterTable('account_lockouts').dropColumn('attempts_in_flight').execute();
    },
  };
}
