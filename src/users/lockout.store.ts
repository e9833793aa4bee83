import type { AttemptOutcome, Reservation } from '../identity/attempt-ledger.js';

/** Failed sign-in bookkeeping of one account. */
export interface LockoutState {
  /** Failures since the last success or unlock. */
  failedAttempts: number;
  /** Sign-in is refused until this instant; null when not locked. */
  lockedUntil: Date | null;
  /** Checks reserved and not yet settled (stale ones excluded). */
  attemptsInFlight: number;
}

/** The numbers a reservation or settlement is made against. */
export interface LockoutLimits {
  maxAttempts: number;
  /** How long a lock lasts once `maxAttempts` failures were counted. */
  lockMs: number;
  /** When an unsettled reservation is presumed lost (its instance died). */
  slotTtlMs: number;
}

/**
 * Persistence of per-account sign-in failures, shared by every instance.
 * Each call is one atomic statement. Implementation: SQL (`account_lockouts`).
 */
export interface LockoutStore {
  find(userId: number, now: Date): Promise<LockoutState | null>;
  /**
   * Takes one slot unless the account is locked (`blocked`, a lapsed lock is
   * lifted) or failures plus checks in flight already reach
   * `maxAttempts` (`busy`). Reservations carry no identity here: the caller
   * settles each granted one exactly once.
   */
  reserve(userId: number, now: Date, limits: LockoutLimits): Promise<Reservation>;
  /**
   * Releases a slot: a failure counts (the one reaching the limit locks), a
   * success clears the count. Resolves to the end of the lock this very
   * settlement started, else null.
   */
  settle(userId: number, outcome: AttemptOutcome, now: Date, limits: LockoutLimits): Promise<Date | null>;
  /** Forgets failures, any lock and slots in flight. */
  clear(userId: number): Promise<void>;
}
