import type { TokenStore } from './token.store.js';
import type { UserStore } from '../users/user.store.js';
import type { TokenAuthRecord, TokenLookup } from './token-lookup.js';

/** The uncached lookup: one token query and one user query per call. */
export class StoreTokenLookup implements TokenLookup {
  constructor(
    private readonly tokens: TokenStore,
    private readonly users: UserStore,
  ) {}

  async find(digest: string): Promise<TokenAuthRecord | null> {
    const token = await this.tokens.findByDigest(digest);
    if (!token) return null;
    const user = await this.users.findById(token.userId);
    if (!user) return null;
    return {
      tokenId: token.id,
      name: token.name,
      userId: user.id,
      username: user.username,
      isAdmin: user.isAdmin,
      userState: user.state,
      twoFactorEnabled: user.twoFactorEnabled,
      scopes: token.scopes,
      expiresAt: token.expiresAt,
      revoked: token.revoked,
      restrictions: token.restrictions,
    };
  }

  async invalidate(): Promise<void> {}
}
