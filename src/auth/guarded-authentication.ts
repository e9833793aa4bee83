/**
 * Every credential check of every surface runs here, under the per-address
 * ban: the attempt is reserved before the check (so concurrent guesses
 * cannot outrun the count), then settled with the outcome. What counts as a
 * failed attempt differs by surface, and is named once, below.
 *
 * It is also where sign-ins are audited, the same way on every surface:
 * each counted failure is `sign_in_failed` (whose credential it was, when
 * the refusing code knew: lib/errors.ts `refusing`), the failure that
 * starts a ban is `ip_banned`, and a check the caller declares a sign-in
 * (`signedIn`) is `sign_in_succeeded`. The audit log bounds how many of
 * these it writes (audit/audit-throttle.ts).
 */
import { INSTANCE, SYSTEM_AUTHOR, UNAUTHENTICATED, authorOf, userEntity, type AuditTarget } from '../audit/audit-event.js';
import type { AuditRecorder } from '../audit/audit-log.js';
import { AppError, UnauthorizedError, ValidationError, type CredentialKind, type RefusedCredential } from '../lib/errors.js';
import { withRequestContext } from '../lib/request-context.js';
import { AccountLockedError } from '../users/account-lockout.js';
import type { AttemptOutcome } from '../identity/attempt-ledger.js';
import type { FailedAuthGuard } from '../identity/failed-auth-guard.js';
import type { Principal } from '../identity/principal.js';

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

/** A completed sign-in: who, with what. */
export interface SignIn {
  user: { id: number; username: string };
  credential: CredentialKind;
}

/** How one guarded check counts and is audited. */
export interface AttemptRules<T> {
  /** The outcome of a returned value (default: success, which forgets earlier failures). */
  outcome?: (value: T) => AttemptOutcome;
  /** The sign-in a returned value stands for, audited when its outcome is a success; default none. */
  signedIn?: (value: T) => SignIn | null;
  /** What a failure refused when the error does not say (a returned value counted as a failure). */
  claimed?: RefusedCredential;
}

/**
 * The sign-in a principal stands for: an account password or an SSH key.
 * A token is no sign-in (its use is audited by the token service); anonymous is none.
 */
export function principalSignIn(principal: Principal): SignIn | null {
  if (principal.kind === 'password') return { user: principal.user, credential: 'password' };
  if (principal.kind === 'key') return { user: principal.user, credential: 'ssh_key' };
  return null;
}

/** Runs credential checks under the failed-authentication guard; see the module comment. */
export class GuardedAuthentication {
  constructor(
    private readonly guard: FailedAuthGuard,
    private readonly audit: AuditRecorder,
  ) {}

  /**
   * Runs `check` for a request from `ip` on `surface`. Throws BannedError
   * (or TooManyRequestsError) without running it while the address may not
   * try; otherwise returns or rethrows what `check` did, after recording the
   * outcome: a thrown error by the surface's rule, a value as `rules.outcome`
   * says. Audit events carry `ip` (SSH has no request of its own to take it from).
   */
  run<T>(surface: AuthSurface, ip: string, check: () => Promise<T>, rules: AttemptRules<T> = {}): Promise<T> {
    return withRequestContext({ ip }, async () => {
      const attempt = await this.guard.begin(ip);
      let value: T;
      try {
        value = await check();
      } catch (error) {
        const failed = COUNTED_FAILURES[surface](error);
        const banned = await attempt.settle(failed ? 'failure' : 'neutral');
        if (failed) await this.failed(surface, ip, reasonOf(error), refusalOf(error) ?? rules.claimed ?? {}, banned);
        throw error;
      }
      const outcome = rules.outcome?.(value) ?? 'success';
      const banned = await attempt.settle(outcome);
      if (outcome === 'failure') await this.failed(surface, ip, 'invalid', rules.claimed ?? {}, banned);
      const signIn = outcome === 'success' ? rules.signedIn?.(value) : null;
      if (signIn) {
        await this.audit.record({
          action: 'sign_in_succeeded',
          author: authorOf(signIn.user),
          entity: userEntity(signIn.user),
          details: { surface, credential: signIn.credential },
        });
      }
      return value;
    });
  }

  /** Throws BannedError while `ip` is banned, reserving nothing (probes that are not credential checks). */
  refuseBanned(ip: string): Promise<void> {
    return this.guard.check(ip);
  }

  private async failed(surface: AuthSurface, ip: string, reason: string, refused: RefusedCredential, bannedUntil: Date | null): Promise<void> {
    const target: AuditTarget | null =
      refused.tokenId !== undefined
        ? { type: 'PersonalAccessToken', id: refused.tokenId, details: null }
        : refused.user
          ? { type: 'User', id: refused.user.id, details: refused.user.username }
          : null;
    await this.audit.record({
      action: 'sign_in_failed',
      author: UNAUTHENTICATED,
      entity: refused.user ? userEntity(refused.user) : INSTANCE,
      target,
      details: { surface, credential: refused.kind ?? 'unknown', reason },
    });
    if (!bannedUntil) return;
    await this.audit.record({
      action: 'ip_banned',
      author: SYSTEM_AUTHOR,
      entity: INSTANCE,
      target: { type: 'IpAddress', id: null, details: ip },
      details: { surface, banned_until: bannedUntil.toISOString() },
    });
  }
}

function refusalOf(error: unknown): RefusedCredential | null {
  return error instanceof AppError ? error.refused : null;
}

/** Why a counted failure failed, in one word. */
function reasonOf(error: unknown): string {
  if (error instanceof UnauthorizedError) return error.reason;
  if (error instanceof AccountLockedError) return 'locked';
  return 'invalid';
}
