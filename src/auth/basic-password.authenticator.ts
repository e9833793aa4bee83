import type { BasicCredentials } from '../git/git-authorizer.js';
import { UnauthorizedError } from '../lib/errors.js';
import type { UserService } from '../users/user.service.js';
import type { AuthContext, Authenticator } from './authenticator.js';
import type { Principal } from './principal.js';

/**
 * Basic auth with the account password. Users with two-factor
 * authentication are refused: a password alone is one factor, so GitLab
 * makes them use a personal access token for Git over HTTP.
 */
export class BasicPasswordAuthenticator implements Authenticator<BasicCredentials> {
  constructor(private readonly users: UserService) {}

  async authenticate(credentials: BasicCredentials, _context: AuthContext): Promise<Principal | null> {
    const user = await this.users.authenticatePassword(credentials.username, credentials.password);
    if (user.twoFactorEnabled) {
      throw new UnauthorizedError(
        'two_factor_required',
        "You must use a personal access token with 'read_repository' or 'write_repository' scope for Git over HTTP.",
      );
    }
    return { kind: 'password', user: { id: user.id, username: user.username, isAdmin: user.isAdmin } };
  }
}
