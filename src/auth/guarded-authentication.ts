/**
 * Every credential check of every surface runs here, under the per-address
 * ban: the attempt is reserved before the check (so concurrent guesses
 * cannot outrun the count), then settled with the outcome. What counts as a
 * failed attempt differs by surface, and is named once, below.
 */
import { UnauthorizedError, ValidationError } from '../lib/errors.js';
import { AccountLockedError } from '../users/account-lockout.js';
import { runAttempt, type AttemptOutcome } from '../identity/attempt-ledger.js';
import type { FailedAuthGuard } from '../identity/failed-auth-guard.js';

/** The places credentials are presented. */
export type AuthSurface = 'git-http' | 'ssh' | 'registry' | 'api' | 'web';

const isUnauthorized = (error: unknown): boolean => error instanceof UnauthorizedError;
const API_COUNTED: ReadonlySet<string> = new Set(['invalid', 'revoked', 'expired']);

/**
 * Which refusals count toward the ban, per surface:
 * - git over HTTP, SSH and the registry: every refused credential (401),
 *   as GitLab's git_basic_auth counts them;
 * - the API: unknown, revoked and expired tokens (a blocked owner's valid
 *   token is not a guess);
 * - the web sign-in: wrong passwords and codes, and attempts on a locked account.
 * Anything else (an outage, a busy ledger) counts for nothing.
 */
export const COUNTED_FAILURES: Readonly<Record<AuthSurface, (error: unknown) => boolean>> = {
  'git-http': isUnauthorized,
  ssh: isUnauthorized,
  registry: isUnauthorized,
  api: (error) => error instanceof UnauthorizedError && API_COUNTED.has(error.reason),
  web: (error) =>
    (error instanceof UnauthorizedError && error.reason === 'invalid') || error instanceof AccountLockedError || error instanceof ValidationError,
};

/** Runs credential checks under the failed-authentication guard; see the module comment. */
export class GuardedAuthentication {
  constructor(private readonly guard: FailedAuthGuard) {}

  /**
   * Runs `check` for a request from `ip` on `surface`. Throws BannedError
   * (or TooManyRequestsError) without running it while the address may not
   * try; otherwise returns or rethrows what `check` did, after recording the
   * outcome: a thrown error by the surface's rule, a value as `outcome` says
   * (default: success, which forgets earlier failures).
   */
  async run<T>(surface: AuthSurface, ip: string, check: () => Promise<T>, outcome: (value: T) => AttemptOutcome = () => 'success'): Promise<T> {
    return runAttempt(await this.guard.begin(ip), check, COUNTED_FAILURES[surface], outcome);
  }

  /** Throws BannedError while `ip` is banned, reserving nothing (probes that are not credential checks). */
  refuseBanned(ip: string): Promise<void> {
    return this.guard.check(ip);
  }
}
