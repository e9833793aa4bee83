/**
 * The last TOTP time step a user signed in with, so a code cannot be
 * replayed within its validity window (devise-two-factor's
 * `consumed_timestep`, which GitLab uses).
 */
import type { Migration } from 'kysely';

/** Builds the migration (the same on both dialects). */
export function otpLastTimestep(): Migration {
  return {
    async up(db) {
      await db.schema.alterTable('users').addColumn('otp_last_timestep', 'bigint').execute();
    },

    async down(db) {
      await db.schema.alterTable('users').dropColumn('otp_last_timestep').execute();
    },
  };
}
