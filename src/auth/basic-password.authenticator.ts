import type { PasswordCredentials } from '../identity/authenticator.js';
import { UnauthorizedError, refusing } from '../lib/errors.js';
import { AccountLockedError, type AccountLockout } from '../users/account-lockout.js';
import type { UserService } from '../users/user.service.js';
import type { AuthContext, Authenticator } from '../identity/authenticator.js';
import type { Principal } from '../identity/principal.js';

/**
 * Basic auth with the account password. Users with two-factor
 * authentication are refused: a password alone is one factor, so GitLab
 * makes them use a personal access token for Git over HTTP. Each check runs
 * under the account lockout shared with the web sign-in: a wrong password
 * counts, a locked account is refused before its password is checked
 * (otherwise git would be a way around the lock), and only a password this
 * surface accepts resets the count — a 2FA user's right password is refused
 * here, so it neither resets nor counts.
 */
export class BasicPasswordAuthenticator implements Authenticator<PasswordCredentials> {
  constructor(
    private readonly users: UserService,
    private readonly lockout: AccountLockout,
  ) {}

  async authenticate(credentials: PasswordCredentials, _context: AuthContext): Promise<Principal | null> {
    const account = credentials.username ? await this.users.findByLogin(credentials.username) : null;
    const user = await this.lockout
      .guard(account, () => this.users.verifyAccountPassword(account, credentials.password), {
        outcome: (checked) => (checked.twoFactorEnabled ? 'neutral' : 'success'),
      })
      .catch((err: unknown) => {
        throw err instanceof AccountLockedError ? refusing(new UnauthorizedError('locked', err.message), { kind: 'password', ...err.refused }) : err;
      });
    if (user.twoFactorEnabled) {
      const refusal = new UnauthorizedError(
        'two_factor_required',
        "You must use a personal access token with 'read_repository' or 'write_repository' scope for Git over HTTP.",
      );
      throw refusing(refusal, { kind: 'password', user: { id: user.id, username: user.username } });
    }
    return { kind: 'password', user: { id: user.id, username: user.username, isAdmin: user.isAdmin } };
  }
}
