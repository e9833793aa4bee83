/**
 * Per-account lockout after repeated failed sign-ins (web pages and git with
 * the account password), as GitLab configures Devise's lockable: 10 failures lock the account for 10 minutes, whatever
 * the client's address, so spreading guesses over many IPs does not help.
 * The IP ban (FailedAuthGuard) is separate and counts per address.
 */
import { AppError } from '../lib/errors.js';
import type { Clock } from '../lib/clock.js';
import type { LockoutStore } from './lockout.store.js';

/** Sign-in refused because the account is locked (403). */
export class AccountLockedError extends AppError {
  readonly status = 403;
  constructor(readonly until: Date) {
    super('Your account is locked after too many failed sign-in attempts. Try again later.');
  }
}

/** How many failures lock an account, and for how long. */
export interface LockoutPolicy {
  maxAttempts: number;
  lockMs: number;
}

/** GitLab's defaults: 10 failures, 10 minutes. */
export const DEFAULT_LOCKOUT_POLICY: LockoutPolicy = { maxAttempts: 10, lockMs: 10 * 60 * 1000 };

/** Applies the lockout policy over a LockoutStore, on the injected clock. */
export class AccountLockout {
  private readonly policy: LockoutPolicy;

  constructor(
    private readonly store: LockoutStore,
    private readonly clock: Clock,
    policy: Partial<LockoutPolicy> = {},
  ) {
    this.policy = { ...DEFAULT_LOCKOUT_POLICY, ...policy };
  }

  /**
   * Throws AccountLockedError while the account is locked; an expired lock
   * is lifted. Resolves to the failures counted so far.
   */
  async assertUnlocked(userId: number): Promise<number> {
    const state = await this.store.find(userId);
    if (!state?.lockedUntil) return state?.failedAttempts ?? 0;
    if (this.clock.now() < state.lockedUntil) throw new AccountLockedError(state.lockedUntil);
    await this.store.clear(userId);
    return 0;
  }

  /** Counts a failure; the one that reaches the limit locks the account. */
  async recordFailure(userId: number): Promise<void> {
    const now = this.clock.now();
    const attempts = await this.store.addFailure(userId, now);
    if (attempts >= this.policy.maxAttempts) {
      await this.store.lock(userId, new Date(now.getTime() + this.policy.lockMs), now);
    }
  }

  /** A complete sign-in forgets earlier failures. */
  recordSuccess(userId: number): Promise<void> {
    return this.store.clear(userId);
  }
}
