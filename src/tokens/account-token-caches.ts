/**
 * The token lookups cached for an account's tokens, forgotten when the
 * account changes (UserService's AccountCaches).
 */
import type { AccountCaches } from '../users/account-caches.js';
import type { TokenLookup } from './token-lookup.js';
import type { TokenStore } from './token.store.js';

/** Invalidates every cached lookup of a user's tokens, on every instance. */
export class AccountTokenCaches implements AccountCaches {
  constructor(
    private readonly tokens: TokenStore,
    private readonly lookup: TokenLookup,
  ) {}

  async forget(userId: number): Promise<void> {
    await this.lookup.invalidate(await this.digests(userId));
  }

  async prepareDeletion(userId: number): Promise<() => Promise<void>> {
    const digests = await this.digests(userId);
    return () => this.lookup.invalidate(digests);
  }

  private async digests(userId: number): Promise<string[]> {
    return (await this.tokens.list({ userId })).map((t) => t.digest);
  }
}
