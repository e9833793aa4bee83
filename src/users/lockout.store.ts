/** Failed sign-in bookkeeping of one account. */
export interface LockoutState {
  /** Failures since the last success or unlock. */
  failedAttempts: number;
  /** Sign-in is refused until this instant; null when not locked. */
  lockedUntil: Date | null;
}

/**
 * Persistence of per-account sign-in failures, shared by every instance.
 * Implementation: SQL (`account_lockouts`).
 */
export interface LockoutStore {
  find(userId: number): Promise<LockoutState | null>;
  /** Atomically adds one failure; returns the new count. */
  addFailure(userId: number, at: Date): Promise<number>;
  /** Locks the account until `until` and zeroes the count; `at` is now. */
  lock(userId: number, until: Date, at: Date): Promise<void>;
  /** Forgets failures and any lock. */
  clear(userId: number): Promise<void>;
}
