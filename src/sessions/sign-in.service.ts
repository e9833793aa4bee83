/**
 * Web sign-in: password, then the TOTP (or recovery) code for users with
 * two-factor authentication. Each step that succeeds issues a new session id
 * and destroys the one the browser had, so a planted id never gets signed in.
 * Failures count toward the account lockout; the edge reports them to the
 * per-IP guard.
 */
import { UnauthorizedError, ValidationError, refusing, unlessNotFound } from '../lib/errors.js';
import type { TwoFactorService } from '../users/two-factor.service.js';
import type { UserService } from '../users/user.service.js';
import type { User } from '../users/user.js';
import { AccountLockedError, type AccountLockout } from '../users/account-lockout.js';
import type { SessionRecord } from './session.js';
import type { IssuedSession, SessionService } from './session.service.js';

/** What sign-in needs. */
export interface SignInServiceDeps {
  users: UserService;
  twoFactor: TwoFactorService;
  sessions: SessionService;
  lockout: AccountLockout;
}

/** Where a sign-in step left the browser: fully signed in, or owing the code. */
export interface SignInOutcome {
  stage: 'signed_in' | 'two_factor';
  user: User;
  issued: IssuedSession;
}

/** The two sign-in steps and sign-out; see the file comment. */
export class SignInService {
  constructor(private readonly deps: SignInServiceDeps) {}

  /**
   * Checks login and password. Throws UnauthorizedError ('invalid' or
   * 'blocked') or AccountLockedError; a locked account is refused before the
   * password is looked at, so a lock never confirms a guess.
   */
  async withPassword(login: string, password: string, previous: SessionRecord | null, returnTo: string | null): Promise<SignInOutcome> {
    const { users, lockout } = this.deps;
    const candidate = login ? await users.findByLogin(login) : null;
    // The password step of a 2FA account is not a complete sign-in: it resets nothing.
    const user = await lockout.guard(candidate, () => users.verifyAccountPassword(candidate, password), {
      outcome: (checked) => (checked.twoFactorEnabled ? 'neutral' : 'success'),
    });
    if (previous) await this.deps.sessions.destroy(previous);
    if (user.twoFactorEnabled) {
      return { stage: 'two_factor', user, issued: await this.deps.sessions.start(user, 'two_factor', returnTo) };
    }
    return this.complete(user, returnTo);
  }

  /**
   * Second step: `code` is the current TOTP or an unused recovery code.
   * Throws ValidationError('otp_attempt') for a wrong code, UnauthorizedError
   * when the pending session is not one or its user can no longer sign in.
   */
  async withCode(pending: SessionRecord, code: string): Promise<SignInOutcome> {
    const { users, twoFactor, lockout, sessions } = this.deps;
    if (pending.data.stage !== 'two_factor') throw new UnauthorizedError('invalid');
    const user = await unlessNotFound(users.get(pending.userId));
    // A password changed (or the account blocked) since the first step makes that step void.
    if (!user || user.state !== 'active' || user.sessionGeneration !== pending.data.generation) {
      await sessions.destroy(pending);
      throw user?.state === 'blocked' ? new UnauthorizedError('blocked', 'Your account has been blocked.') : new UnauthorizedError('invalid');
    }
    try {
      // A wrong code or recovery code counts like a wrong password; the right one completes the sign-in.
      await lockout.guard(
        user,
        async () => {
          if (user.twoFactorEnabled && !(await twoFactor.verify(user, code))) {
            throw refusing(new ValidationError('otp_attempt', 'Invalid two-factor code.'), { kind: 'two_factor', user: { id: user.id, username: user.username } });
          }
        },
        { isFailure: (error) => error instanceof ValidationError },
      );
    } catch (error) {
      if (error instanceof AccountLockedError) await sessions.destroy(pending);
      throw error;
    }
    await sessions.destroy(pending);
    return this.complete(user, pending.data.returnTo);
  }

  /**
   * Re-checks a signed-in user's password before a sensitive change (turning
   * 2FA off). Counts toward the account lockout like a sign-in, so a stolen
   * session cannot guess the password at full speed; throws
   * AccountLockedError while locked. False for a wrong password.
   */
  async confirmPassword(user: User, password: string): Promise<boolean> {
    const { users, lockout } = this.deps;
    try {
      await lockout.guard(user, () => users.verifyAccountPassword(user, password));
      return true;
    } catch (error) {
      if (!(error instanceof UnauthorizedError) || error.reason !== 'invalid') throw error;
      return false;
    }
  }

  /** Ends the session. */
  signOut(session: SessionRecord): Promise<void> {
    return this.deps.sessions.destroy(session);
  }

  private async complete(user: User, returnTo: string | null): Promise<SignInOutcome> {
    return { stage: 'signed_in', user, issued: await this.deps.sessions.start(user, 'signed_in', returnTo) };
  }
}
