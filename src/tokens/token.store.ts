import type { NewPersonalAccessToken, PersonalAccessToken } from './token.js';

export type TokenSort =
  | 'created_asc'
  | 'created_desc'
  | 'expires_asc'
  | 'expires_desc'
  | 'last_used_asc'
  | 'last_used_desc'
  | 'name_asc'
  | 'name_desc';

/**
 * Filters for listing tokens, all optional and combined with AND. `active`
 * means not revoked and not expired at `now` (a date compared with
 * `expiresAt`): `expiresAt` is null or later than the UTC date of `now`.
 */
export interface TokenQuery {
  userId?: number;
  revoked?: boolean;
  state?: { active: boolean; today: string };
  /** Case-insensitive substring of the name. */
  search?: string;
  createdBefore?: Date;
  createdAfter?: Date;
  lastUsedBefore?: Date;
  lastUsedAfter?: Date;
  /** Dates, YYYY-MM-DD: expiresAt < expiresBefore / expiresAt > expiresAfter. */
  expiresBefore?: string;
  expiresAfter?: string;
  sort?: TokenSort;
  limit?: number;
  offset?: number;
}

/** Persistence of personal access tokens. */
export interface TokenStore {
  /** Inserts a token; the digest is unique (ConflictError when taken). */
  create(token: NewPersonalAccessToken): Promise<PersonalAccessToken>;
  findById(id: number): Promise<PersonalAccessToken | null>;
  findByDigest(digest: string): Promise<PersonalAccessToken | null>;
  /**
   * Ordered by `sort` (NULL expiry / last use last either way, names ignoring
   * case), then by id ascending; id ascending when `sort` is omitted.
   */
  list(query: TokenQuery): Promise<PersonalAccessToken[]>;
  /** Counts what `list` would return without limit/offset. */
  count(query: TokenQuery): Promise<number>;
  /** Marks the token revoked; false when it was absent or already revoked. */
  revoke(id: number): Promise<boolean>;
  /**
   * Revokes every token of the user; returns the digests that were active
   * (not yet revoked, expired ones included, so callers evict every cache entry).
   */
  revokeAllOfUser(userId: number): Promise<string[]>;
  /**
   * Revokes `id` and every token linked to it through `previousTokenId`
   * (ancestors and descendants), and the tokens any of them minted
   * (parentTokenId, downwards only); returns the digests it revoked.
   */
  revokeFamily(id: number): Promise<string[]>;
  /**
   * Revokes every token minted from `id` (parentTokenId), recursively, with
   * their rotation successors — not `id` itself nor `id`'s own successor;
   * returns the digests it revoked.
   */
  revokeDescendants(id: number): Promise<string[]>;
  /** Records use; `ips` replaces the stored list (the caller bounds it). */
  touch(id: number, at: Date, ips: string[]): Promise<void>;
}
