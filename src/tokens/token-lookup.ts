import type { Scope } from '../identity/scopes.js';
import type { TokenRestrictions } from '../identity/token-restrictions.js';
import type { UserState } from '../users/user.js';

/**
 * Everything authorization needs to know about a token and its owner, as
 * one flat, serializable record (so a cache can hold it). It is checked on
 * every use — revoked, expiry against the clock, user state — never trusted
 * as "valid" because it was found.
 */
export interface TokenAuthRecord {
  tokenId: number;
  /** The token's name, as its owner gave it (shown in expiry warnings). */
  name: string;
  userId: number;
  username: string;
  isAdmin: boolean;
  userState: UserState;
  twoFactorEnabled: boolean;
  scopes: Scope[];
  /** YYYY-MM-DD; the token stops at 00:00 UTC of this date. */
  expiresAt: string | null;
  revoked: boolean;
  /** What the token is limited to (NO_RESTRICTIONS when nothing). */
  restrictions: TokenRestrictions;
}

/**
 * Finds the authorization record for a token digest. The store is the
 * authority; implementations may cache, but must make `invalidate` visible
 * to every instance before it resolves, and must never answer from a cache
 * they cannot reach (fall back to the store instead).
 */
export interface TokenLookup {
  find(digest: string): Promise<TokenAuthRecord | null>;
  /** Forgets what is known about these digests, everywhere. */
  invalidate(digests: readonly string[]): Promise<void>;
}
