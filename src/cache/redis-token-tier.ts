/**
 * The shared tier of the token cache: `<prefix>pat:<digest>` holds, as JSON,
 * a TokenAuthRecord (or `null` for an unknown digest) and the revocation
 * generation it was read under (`{"g":…,"r":…}`). Invalidation leaves a
 * short-lived tombstone so that an instance which read the store before a
 * revocation cannot write the stale record back afterwards; the generation
 * catches what a tombstone cannot (a lost delete, an old snapshot).
 */
import type { Redis } from 'ioredis';
import { isScope } from '../identity/scopes.js';
import { isTokenRestrictions } from '../identity/token-restrictions.js';
import type { TokenAuthRecord } from '../tokens/token-lookup.js';

/** Sets the value only when no tombstone says the digest just changed. */
const SET_UNLESS_TOMBSTONED = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

export interface RedisTokenTierOptions {
  prefix: string;
  positiveTtlMs: number;
  negativeTtlMs: number;
  /** Longer than any store read can take, so a racing fill sees it. */
  tombstoneTtlMs: number;
}

export class RedisTokenTier {
  constructor(
    private readonly redis: Redis,
    private readonly options: RedisTokenTierOptions,
  ) {}

  /**
   * The cached entry (its record is `null` for an unknown digest), or
   * `undefined` on a miss (including an unparsable value). Rejects when
   * Redis fails.
   */
  async get(digest: string): Promise<CachedTokenEntry | undefined> {
    const raw = await this.redis.get(this.key(digest));
    if (raw === null) return undefined;
    return parseEntry(raw);
  }

  async set(digest: string, entry: CachedTokenEntry): Promise<void> {
    const ttl = entry.record ? this.options.positiveTtlMs : this.options.negativeTtlMs;
    const value = JSON.stringify({ g: entry.generation, r: entry.record });
    await this.redis.eval(SET_UNLESS_TOMBSTONED, 2, this.key(digest), this.tombstone(digest), value, ttl);
  }

  /** Deletes the entries and tombstones them. */
  async remove(digests: readonly string[]): Promise<void> {
    if (digests.length === 0) return;
    const tx = this.redis.multi();
    for (const d of digests) {
      tx.del(this.key(d));
      tx.set(this.tombstone(d), '1', 'PX', this.options.tombstoneTtlMs);
    }
    const results = await tx.exec();
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw failed?.[0] ?? new Error('redis transaction aborted');
  }

  private key(digest: string): string {
    return `${this.options.prefix}pat:${digest}`;
  }

  private tombstone(digest: string): string {
    return `${this.options.prefix}pat-tomb:${digest}`;
  }
}

/** A record (null: an unknown digest) and the revocation generation it was read under. */
export interface CachedTokenEntry {
  generation: number;
  record: TokenAuthRecord | null;
}

/** A cached value from JSON; anything malformed (or of an older format) is a miss (`undefined`). */
export function parseEntry(raw: string): CachedTokenEntry | undefined {
  try {
    const v: unknown = JSON.parse(raw);
    if (typeof v !== 'object' || v === null || !('g' in v) || !('r' in v) || !Number.isSafeInteger(v.g)) return undefined;
    if (v.r === null) return { generation: v.g as number, record: null };
    if (isRecord(v.r)) return { generation: v.g as number, record: v.r };
  } catch {
    // fall through: treated as a miss
  }
  return undefined;
}

function isRecord(v: unknown): v is TokenAuthRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    Number.isInteger(r.tokenId) &&
    typeof r.name === 'string' &&
    Number.isInteger(r.userId) &&
    typeof r.username === 'string' &&
    typeof r.isAdmin === 'boolean' &&
    (r.userState === 'active' || r.userState === 'blocked') &&
    typeof r.twoFactorEnabled === 'boolean' &&
    Array.isArray(r.scopes) &&
    r.scopes.every((s) => typeof s === 'string' && isScope(s)) &&
    (r.expiresAt === null || typeof r.expiresAt === 'string') &&
    typeof r.revoked === 'boolean' &&
    // An entry without restrictions (written by an older version) must not read as unrestricted.
    isTokenRestrictions(r.restrictions)
  );
}
