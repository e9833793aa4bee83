/** LockoutStore on Kysely, for SQLite and PostgreSQL alike. */
import { sql, type RawBuilder } from 'kysely';
import type { Kysely } from 'kysely';
import type { AttemptOutcome, Reservation } from '../identity/attempt-ledger.js';
import type { LockoutLimits, LockoutState, LockoutStore } from '../users/lockout.store.js';
import type { DialectHelper } from './dialects/dialect.js';
import type { DbTimestamp, Schema } from './schema.js';

/**
 * Rows in `account_lockouts`; absent means no failures. Reservation and
 * settlement are each one statement on the account's row, so concurrent
 * checks on several instances are serialized by the database.
 */
export class SqlLockoutStore implements LockoutStore {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly dialect: DialectHelper,
  ) {}

  async find(userId: number, now: Date): Promise<LockoutState | null> {
    const row = await this.db
      .selectFrom('account_lockouts')
      .select(['failed_attempts', 'locked_until', 'attempts_in_flight', 'in_flight_until'])
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (!row) return null;
    const d = this.dialect;
    const inFlightUntil = row.in_flight_until === null ? null : d.fromTimestamp(row.in_flight_until);
    return {
      failedAttempts: row.failed_attempts,
      lockedUntil: row.locked_until === null ? null : d.fromTimestamp(row.locked_until),
      attemptsInFlight: inFlightUntil !== null && inFlightUntil > now ? row.attempts_in_flight : 0,
    };
  }

  async reserve(userId: number, now: Date, limits: LockoutLimits): Promise<Reservation> {
    const at = this.dialect.toTimestamp(now);
    const slotUntil = this.dialect.toTimestamp(new Date(now.getTime() + limits.slotTtlMs));
    // A lapsed lock is lifted with its count; slots past their deadline belonged to a lost instance.
    const lapsed = sql<boolean>`account_lockouts.locked_until <= ${at}`;
    const failures = sql<number>`(CASE WHEN ${lapsed} THEN 0 ELSE account_lockouts.failed_attempts END)`;
    const inFlight = sql<number>`(CASE WHEN account_lockouts.in_flight_until > ${at} THEN account_lockouts.attempts_in_flight ELSE 0 END)`;
    const granted = await this.db
      .insertInto('account_lockouts')
      .values({ user_id: userId, failed_attempts: 0, locked_until: null, updated_at: at, attempts_in_flight: 1, in_flight_until: slotUntil })
      .onConflict((oc) =>
        oc
          .column('user_id')
          .doUpdateSet({
            failed_attempts: failures,
            locked_until: sql<DbTimestamp | null>`CASE WHEN ${lapsed} THEN NULL ELSE account_lockouts.locked_until END`,
            attempts_in_flight: sql<number>`${inFlight} + 1`,
            in_flight_until: slotUntil,
            updated_at: at,
          })
          .where(sql<boolean>`(account_lockouts.locked_until IS NULL OR ${lapsed}) AND ${failures} + ${inFlight} < ${limits.maxAttempts}`),
      )
      .returning('user_id')
      .executeTakeFirst();
    if (granted) return { kind: 'granted', ticket: String(userId) };
    const state = await this.find(userId, now);
    if (state?.lockedUntil && state.lockedUntil > now) return { kind: 'blocked', until: state.lockedUntil };
    return { kind: 'busy' };
  }

  async settle(userId: number, outcome: AttemptOutcome, now: Date, limits: LockoutLimits): Promise<Date | null> {
    const d = this.dialect;
    const release = sql<number>`CASE WHEN account_lockouts.attempts_in_flight > 0 THEN account_lockouts.attempts_in_flight - 1 ELSE 0 END`;
    const counts = this.counted(outcome, d.toTimestamp(new Date(now.getTime() + limits.lockMs)), limits.maxAttempts);
    const row = await this.db
      .updateTable('account_lockouts')
      .set({ ...counts, attempts_in_flight: release, updated_at: d.toTimestamp(now) })
      .where('user_id', '=', userId)
      .returning(['failed_attempts', 'locked_until'])
      .executeTakeFirst();
    // A counted failure leaves the count at 1 or more, except the one that reached the limit: it locked and zeroed it.
    if (outcome !== 'failure' || row?.failed_attempts !== 0 || row.locked_until === null) return null;
    return d.fromTimestamp(row.locked_until);
  }

  async clear(userId: number): Promise<void> {
    await this.db.deleteFrom('account_lockouts').where('user_id', '=', userId).execute();
  }

  /** The count (and lock) after `outcome`: the failure that reaches the limit locks and zeroes it. */
  private counted(
    outcome: AttemptOutcome,
    lockUntil: DbTimestamp,
    maxAttempts: number,
  ): { failed_attempts?: RawBuilder<number> | number; locked_until?: RawBuilder<DbTimestamp | null> } {
    if (outcome === 'success') return { failed_attempts: 0 };
    if (outcome === 'neutral') return {};
    const reaches = sql<boolean>`account_lockouts.failed_attempts + 1 >= ${maxAttempts}`;
    return {
      failed_attempts: sql<number>`CASE WHEN ${reaches} THEN 0 ELSE account_lockouts.failed_attempts + 1 END`,
      locked_until: sql<DbTimestamp | null>`CASE WHEN ${reaches} THEN ${lockUntil} ELSE account_lockouts.locked_until END`,
    };
  }
}
