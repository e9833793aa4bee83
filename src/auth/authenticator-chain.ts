import { UnauthorizedError } from '../lib/errors.js';
import type { AuthContext, Authenticator } from '../identity/authenticator.js';
import type { Principal } from '../identity/principal.js';

/**
 * Tries authenticators in order; the first that claims the credentials
 * decides. When none claims them they are invalid.
 */
export class AuthenticatorChain<C> implements Authenticator<C> {
  constructor(private readonly members: readonly Authenticator<C>[]) {}

  async authenticate(credentials: C, context: AuthContext): Promise<Principal> {
    for (const member of this.members) {
      const principal = await member.authenticate(credentials, context);
      if (principal) return principal;
    }
    throw new UnauthorizedError('invalid');
  }
}
