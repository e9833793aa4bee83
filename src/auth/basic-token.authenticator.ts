import type { PasswordCredentials } from '../identity/authenticator.js';
import type { TokenService } from '../tokens/token.service.js';
import type { AuthContext, Authenticator } from '../identity/authenticator.js';
import { tokenPrincipal, type Principal } from '../identity/principal.js';

/**
 * Basic auth whose password is a personal access token. The username is
 * not compared with the token's owner (GitLab: CI sends `oauth2` or anything).
 * Claims every password that carries the token prefix, so a typo'd token is
 * reported as a bad token rather than tried as a password.
 */
export class BasicTokenAuthenticator implements Authenticator<PasswordCredentials> {
  constructor(
    private readonly tokens: TokenService,
    private readonly prefix: string,
  ) {}

  async authenticate(credentials: PasswordCredentials, context: AuthContext): Promise<Principal | null> {
    if (!credentials.password.startsWith(this.prefix)) return null;
    const record = await this.tokens.authenticate(credentials.password, context.ip);
    return tokenPrincipal(record, { id: record.userId, username: record.username, isAdmin: record.isAdmin });
  }
}
