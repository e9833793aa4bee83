/**
 * The two-tier token lookup: an in-process LRU in front of Redis in front
 * of the store. The store stays the authority:
 *  - a Redis error is a miss, never an answer (we fall back to the store);
 *  - unknown digests are remembered in process briefly in every mode;
 *  - known ones are trusted in process only while this instance is certain to
 *    hear about every change: its invalidation subscription is up (Redis
 *    mode), or SQLite's data_version says no other process wrote (embedded
 *    mode); otherwise it is bypassed;
 *  - a fill that raced an invalidation is dropped (epoch check), and Redis
 *    refuses one that lands after a tombstone.
 */
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { Metrics } from '../lib/metrics.js';
import type { TokenAuthRecord, TokenLookup } from '../tokens/token-lookup.js';
import type { InvalidationBus } from './invalidation-bus.js';
import type { RedisTokenTier } from './redis-token-tier.js';

export interface CachedTokenLookupOptions {
  store: TokenLookup;
  logger: Logger;
  metrics: Metrics;
  /** Redis tier and bus, both or neither. */
  redis: { tier: RedisTokenTier; bus: InvalidationBus } | null;
  /** SQLite's foreign-commit counter (embedded mode); null when unavailable. */
  externalChanges: (() => number) | null;
  /** `knownTokens: false` keeps known tokens out of process (benchmarks, diagnostics). */
  memory?: { max?: number; positiveTtlMs?: number; negativeTtlMs?: number; knownTokens?: boolean };
}

const UNKNOWN = Symbol('unknown digest');
type Entry = TokenAuthRecord | typeof UNKNOWN;

export class CachedTokenLookup implements TokenLookup {
  private readonly memory: LRUCache<string, Entry>;
  private readonly negativeTtlMs: number;
  private epoch = 0;
  private lastExternal: number | null = null;

  constructor(private readonly options: CachedTokenLookupOptions) {
    this.memory = new LRUCache<string, Entry>({
      max: options.memory?.max ?? 10_000,
      ttl: options.memory?.positiveTtlMs ?? 60_000,
    });
    this.negativeTtlMs = options.memory?.negativeTtlMs ?? 10_000;
    options.redis?.bus.onInvalidate((digests) => this.forget(digests));
    options.redis?.bus.onReset(() => this.forgetAll());
  }

  async find(digest: string): Promise<TokenAuthRecord | null> {
    const memoryUsable = this.memoryUsable();
    const epoch = this.epoch;
    const hit = this.memory.get(digest);
    // An unknown digest can only become valid by being issued, and issued
    // tokens are fresh random values: remembering "unknown" is always safe.
    if (hit === UNKNOWN) {
      this.count('memory', 'negative');
      return null;
    }
    if (hit !== undefined && memoryUsable) {
      this.count('memory', 'hit');
      return hit;
    }
    this.count('memory', 'miss');
    const redis = this.options.redis;
    let redisHealthy = redis !== null;
    if (redis) {
      try {
        const cached = await redis.tier.get(digest);
        if (cached !== undefined) {
          this.count('redis', cached === null ? 'negative' : 'hit');
          this.remember(epoch, digest, cached, memoryUsable);
          return cached;
        }
        this.count('redis', 'miss');
      } catch (err) {
        redisHealthy = false;
        this.count('redis', 'error');
        this.options.logger.debug({ err: (err as Error).message }, 'redis token lookup failed; using the database');
      }
    }
    const record = await this.options.store.find(digest);
    this.count('store', record ? 'hit' : 'negative');
    if (redis && redisHealthy && epoch === this.epoch) {
      redis.tier.set(digest, record).catch(() => this.count('redis', 'error'));
    }
    this.remember(epoch, digest, record, memoryUsable);
    return record;
  }

  /**
   * Forgets the digests here, in Redis, and on every other instance; resolves
   * once they have all applied it (or the acknowledgement timeout passed).
   */
  async invalidate(digests: readonly string[]): Promise<void> {
    if (digests.length === 0) return;
    this.forget(digests);
    const redis = this.options.redis;
    if (!redis) return;
    try {
      await redis.tier.remove(digests);
      await redis.bus.publish(digests);
    } catch (err) {
      // Other instances cannot be told; they bypass their in-process tier
      // while their own Redis link is down, and entries expire by TTL.
      this.options.logger.warn({ err: (err as Error).message }, 'could not publish a token cache invalidation');
    }
  }

  private memoryUsable(): boolean {
    if (this.options.memory?.knownTokens === false) return false;
    if (this.options.redis) return this.options.redis.bus.ready();
    const external = this.options.externalChanges;
    if (!external) return false;
    const now = external();
    if (now !== this.lastExternal) {
      this.lastExternal = now;
      this.forgetAll();
    }
    return true;
  }

  private remember(epoch: number, digest: string, record: TokenAuthRecord | null, memoryUsable: boolean): void {
    if (epoch !== this.epoch) return;
    if (!record) this.memory.set(digest, UNKNOWN, { ttl: this.negativeTtlMs });
    else if (memoryUsable) this.memory.set(digest, record);
  }

  private forget(digests: readonly string[]): void {
    this.epoch += 1;
    for (const d of digests) this.memory.delete(d);
  }

  private forgetAll(): void {
    this.epoch += 1;
    this.memory.clear();
  }

  private count(tier: 'memory' | 'redis' | 'store', result: 'hit' | 'miss' | 'negative' | 'error'): void {
    this.options.metrics.tokenLookups.inc({ tier, result });
  }
}
