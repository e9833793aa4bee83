/**
 * Attempts reserved before they are evaluated. A limit on failed sign-ins
 * that counts failures only after checking them lets every concurrent
 * attempt through while the count is still low: 300 simultaneous guesses
 * were all evaluated against a limit of 10. So each attempt first takes a
 * slot — granted only while failures so far plus attempts in flight stay
 * below the limit — and settles it with its outcome. However concurrent the
 * callers, at most `limit` attempts are ever evaluated before the block.
 *
 * Ledgers (per account in the database, per address in Redis or memory)
 * implement `AttemptLedger`; `reserveAttempt` waits while every remaining
 * slot is in flight, so a legitimate burst (16 CI jobs behind one address)
 * is delayed, not refused.
 */
import { TooManyRequestsError } from '../lib/errors.js';

/** How an evaluated attempt ended, for the ledger. */
export type AttemptOutcome =
  /** Credentials accepted: earlier failures are forgotten. */
  | 'success'
  /** Credentials refused: counts toward the block. */
  | 'failure'
  /** Neither (e.g. a right password refused for two-factor, or an outage): changes nothing. */
  | 'neutral';

/** The ledger's answer to a reservation. */
export type Reservation =
  | { kind: 'granted'; ticket: string }
  /** Blocked until `until` (a lock or a ban); nothing is evaluated. */
  | { kind: 'blocked'; until: Date }
  /** Every slot left is held by an attempt in flight: try again shortly. */
  | { kind: 'busy' };

/**
 * Failure bookkeeping of one kind of key (an account, an address), shared
 * by every instance. `reserve` and `settle` are each atomic.
 */
export interface AttemptLedger<K> {
  reserve(key: K, ticket: string, now: Date): Promise<Reservation>;
  /**
   * Releases the slot of `ticket` and records the outcome. Idempotent per
   * ticket. Resolves to the end of the block (lock, ban) this very
   * settlement started — the failure that reached the limit — else null.
   */
  settle(key: K, ticket: string, outcome: AttemptOutcome, now: Date): Promise<Date | null>;
}

/** A granted slot; settle it exactly once. */
export interface Attempt {
  /** Resolves to the end of the block this outcome started, else null (see AttemptLedger.settle). */
  settle(outcome: AttemptOutcome): Promise<Date | null>;
}

/** How long `reserveAttempt` waits for a slot before giving up (a burst far beyond the limit). */
export const DEFAULT_MAX_WAIT_MS = 10_000;
const FIRST_RETRY_MS = 20;
const LONGEST_RETRY_MS = 250;

/**
 * Reserves a slot for `key`, retrying with backoff while the ledger is busy.
 * `onBlocked` turns a block into the caller's typed error (it must throw).
 * Throws TooManyRequestsError when no slot frees up within `maxWaitMs`.
 */
export async function reserveAttempt<K>(
  ledger: AttemptLedger<K>,
  key: K,
  options: { now: () => Date; ticket: () => string; onBlocked: (until: Date) => never; maxWaitMs?: number },
): Promise<Attempt> {
  const ticket = options.ticket();
  const deadline = Date.now() + (options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS);
  let delay = FIRST_RETRY_MS;
  for (;;) {
    const reservation = await ledger.reserve(key, ticket, options.now());
    if (reservation.kind === 'granted') {
      let settled = false;
      return {
        settle: async (outcome) => {
          if (settled) return null;
          settled = true;
          return ledger.settle(key, ticket, outcome, options.now());
        },
      };
    }
    if (reservation.kind === 'blocked') options.onBlocked(reservation.until);
    if (Date.now() + delay > deadline) throw new TooManyRequestsError('Too many sign-in attempts in progress; try again later.', 1);
    // Jitter spreads out the retries of a burst, so they do not collide again.
    await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + Math.random())));
    delay = Math.min(delay * 2, LONGEST_RETRY_MS);
  }
}

/**
 * Runs `check` in a granted attempt and settles the attempt: a returned
 * value as `outcome` says, a thrown error as a failure when `isFailure`
 * says so (else neutral). Returns or rethrows what `check` did.
 */
export async function runAttempt<T>(
  attempt: Attempt,
  check: () => Promise<T>,
  isFailure: (error: unknown) => boolean,
  outcome: (value: T) => AttemptOutcome,
): Promise<T> {
  let value: T;
  try {
    value = await check();
  } catch (error) {
    await attempt.settle(isFailure(error) ? 'failure' : 'neutral');
    throw error;
  }
  await attempt.settle(outcome(value));
  return value;
}
