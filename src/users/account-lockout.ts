/**
 * Per-account lockout after repeated failed sign-ins (web pages, git and SSH
 * with the account password, the registry), as GitLab configures Devise's
 * lockable: 10 failures lock the account for 10 minutes, whatever the
 * client's address, so spreading guesses over many IPs does not help. The
 * IP ban (FailedAuthGuard) is separate and counts per address.
 *
 * Each check of a password or second factor is reserved before it runs
 * (auth/attempt-ledger.ts): however many arrive at once, at most 10 are
 * ever evaluated before the lock.
 */
import { randomUUID } from 'node:crypto';
import { SYSTEM_AUTHOR, userEntity } from '../audit/audit-event.js';
import type { AuditRecorder } from '../audit/audit-log.js';
import { reserveAttempt, runAttempt, type AttemptLedger, type AttemptOutcome } from '../identity/attempt-ledger.js';
import { AppError, UnauthorizedError, refusing } from '../lib/errors.js';
import type { Clock } from '../lib/clock.js';
import type { LockoutLimits, LockoutStore } from './lockout.store.js';
import type { User } from './user.js';

/** Sign-in refused because the account is locked (403). */
export class AccountLockedError extends AppError {
  readonly status = 403;
  constructor(readonly until: Date) {
    super('Your account is locked after too many failed sign-in attempts. Try again later.');
  }
}

/** The account a check is about. */
export type LockedAccount = Pick<User, 'id' | 'username'>;

/** How many failures lock an account, and for how long. */
export interface LockoutPolicy {
  maxAttempts: number;
  lockMs: number;
}

/** GitLab's defaults: 10 failures, 10 minutes. */
export const DEFAULT_LOCKOUT_POLICY: LockoutPolicy = { maxAttempts: 10, lockMs: 10 * 60 * 1000 };

/** Longer than any password check takes; a slot left by a dead instance frees up after it. */
const SLOT_TTL_MS = 30_000;

/** How a guarded check's result and refusals count for the account. */
export interface LockoutRules<T> {
  /** The outcome of a returned value (default: success, which forgets earlier failures). */
  outcome?: (value: T) => AttemptOutcome;
  /** Which thrown errors are failures (default: a wrong password, UnauthorizedError 'invalid'); others are neutral. */
  isFailure?: (error: unknown) => boolean;
}

const wrongPassword = (error: unknown): boolean => error instanceof UnauthorizedError && error.reason === 'invalid';

/**
 * Applies the lockout policy over a LockoutStore, on the injected clock.
 * The failure that locks an account records `account_locked`, once per lock.
 */
export class AccountLockout {
  private readonly limits: LockoutLimits;

  constructor(
    private readonly store: LockoutStore,
    private readonly clock: Clock,
    private readonly audit: AuditRecorder,
    policy: Partial<LockoutPolicy> = {},
  ) {
    this.limits = { ...DEFAULT_LOCKOUT_POLICY, ...policy, slotTtlMs: SLOT_TTL_MS };
  }

  /**
   * Runs `check` (a password or second-factor check of `account`) under the
   * lockout: throws AccountLockedError without running it while locked,
   * TooManyRequestsError when too many checks of the account are in flight
   * for too long; otherwise returns or rethrows what `check` did, counted by
   * `rules`. A null `account` (no such account) runs `check` alone.
   */
  async guard<T>(account: LockedAccount | null, check: () => Promise<T>, rules: LockoutRules<T> = {}): Promise<T> {
    if (account === null) return check();
    const attempt = await reserveAttempt(this.ledger(account), account.id, {
      now: () => this.clock.now(),
      ticket: randomUUID,
      onBlocked: (until) => {
        throw refusing(new AccountLockedError(until), { user: { id: account.id, username: account.username } });
      },
    });
    return runAttempt(attempt, check, rules.isFailure ?? wrongPassword, rules.outcome ?? (() => 'success'));
  }

  private ledger(account: LockedAccount): AttemptLedger<number> {
    return {
      reserve: (userId, _ticket, now) => this.store.reserve(userId, now, this.limits),
      settle: async (userId, _ticket, outcome, now) => {
        const locked = await this.store.settle(userId, outcome, now, this.limits);
        if (locked) {
          await this.audit.record({
            action: 'account_locked',
            author: SYSTEM_AUTHOR,
            entity: userEntity(account),
            target: { type: 'User', id: account.id, details: account.username },
            details: { locked_until: locked.toISOString(), failed_attempts: this.limits.maxAttempts },
          });
        }
        return locked;
      },
    };
  }
}
