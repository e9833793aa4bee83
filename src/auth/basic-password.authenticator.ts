import type { BasicCredentials } from './git-access.js';
import { UnauthorizedError } from '../lib/errors.js';
import { AccountLockedError, type AccountLockout } from '../users/account-lockout.js';
import type { UserService } from '../users/user.service.js';
import type { AuthContext, Authenticator } from './authenticator.js';
import type { Principal } from './principal.js';

/**
 * Basic auth with the account password. Users with two-factor
 * authentication are refused: a password alone is one factor, so GitLab
 * makes them use a personal access token for Git over HTTP. Wrong passwords
 * count toward the account lockout shared with the web sign-in, and a locked
 * account is refused before its password is checked — otherwise git would be
 * a way around the lock.
 */
export class BasicPasswordAuthenticator implements Authenticator<BasicCredentials> {
  constructor(
    private readonly users: UserService,
    private readonly lockout: AccountLockout,
  ) {}

  async authenticate(credentials: BasicCredentials, _context: AuthContext): Promise<Principal | null> {
    const account = credentials.username ? await this.users.findByLogin(credentials.username) : null;
    let failures = 0;
    if (account) {
      try {
        failures = await this.lockout.assertUnlocked(account.id);
      } catch (err) {
        if (err instanceof AccountLockedError) throw new UnauthorizedError('locked', err.message);
        throw err;
      }
    }
    let user;
    try {
      user = await this.users.verifyAccountPassword(account, credentials.password);
    } catch (err) {
      if (account && err instanceof UnauthorizedError && err.reason === 'invalid') await this.lockout.recordFailure(account.id);
      throw err;
    }
    if (failures > 0) await this.lockout.recordSuccess(user.id);
    if (user.twoFactorEnabled) {
      throw new UnauthorizedError(
        'two_factor_required',
        "You must use a personal access token with 'read_repository' or 'write_repository' scope for Git over HTTP.",
      );
    }
    return { kind: 'password', user: { id: user.id, username: user.username, isAdmin: user.isAdmin } };
  }
}
