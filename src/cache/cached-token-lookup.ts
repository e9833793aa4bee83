/**
 * The two-tier token lookup: an in-process LRU in front of Redis in front
 * of the store. The store stays the authority:
 *  - a Redis error is a miss, never an answer (we fall back to the store);
 *  - unknown digests are remembered briefly in every mode (tokens are fresh
 *    random values: an unknown one can only become valid by being issued);
 *  - with Redis, a known token is answered from a cache only when its entry
 *    carries the revocation generation this instance currently trusts
 *    (GenerationWatch), and from process memory only while the invalidation
 *    subscription is up as well; without Redis, known tokens stay in process
 *    only while SQLite's data_version says no other process wrote;
 *  - an invalidation advances the generation in the database before it
 *    deletes and announces; when it cannot tell every instance, it waits
 *    until every instance must have stopped trusting the old generation.
 */
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { Metrics } from '../lib/metrics.js';
import type { RevocationGenerationStore } from '../tokens/revocation-generation.store.js';
import type { TokenAuthRecord, TokenLookup } from '../tokens/token-lookup.js';
import type { GenerationWatch } from './generation-watch.js';
import type { InvalidationBus } from './invalidation-bus.js';
import type { CachedTokenEntry, RedisTokenTier } from './redis-token-tier.js';

export interface CachedTokenLookupOptions {
  store: TokenLookup;
  logger: Logger;
  metrics: Metrics;
  /** Redis tier, bus and the revocation generation they are checked against: all or nothing. */
  redis: { tier: RedisTokenTier; bus: InvalidationBus; generations: RevocationGenerationStore; watch: GenerationWatch } | null;
  /** SQLite's foreign-commit counter (embedded mode); null when unavailable. */
  externalChanges: (() => number) | null;
  /** `knownTokens: false` keeps known tokens out of process (benchmarks, diagnostics). */
  memory?: { max?: number; positiveTtlMs?: number; negativeTtlMs?: number; knownTokens?: boolean };
}

const UNKNOWN = Symbol('unknown digest');
type Entry = CachedTokenEntry | typeof UNKNOWN;

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
    options.redis?.bus.onInvalidate((digests, generation) => {
      if (generation !== null) options.redis?.watch.learn(generation);
      this.forget(digests);
    });
    options.redis?.bus.onReset(() => this.forgetAll());
  }

  async find(digest: string): Promise<TokenAuthRecord | null> {
    const memoryUsable = this.memoryUsable();
    const epoch = this.epoch;
    // Read before anything else: an entry is tagged with what was trusted when its read began.
    const generation = this.trustedGeneration();
    const hit = this.memory.get(digest);
    if (hit === UNKNOWN) {
      this.count('memory', 'negative');
      return null;
    }
    if (hit !== undefined && memoryUsable && current(hit, generation)) {
      this.count('memory', 'hit');
      return hit.record;
    }
    this.count('memory', 'miss');
    const redis = this.options.redis;
    let redisHealthy = redis !== null;
    if (redis) {
      try {
        const cached = await redis.tier.get(digest);
        if (cached !== undefined && (cached.record === null || current(cached, generation))) {
          this.count('redis', cached.record === null ? 'negative' : 'hit');
          this.remember(epoch, digest, cached, memoryUsable);
          return cached.record;
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
    // A record read while the generation was uncertain is not cached: nobody could tell it stale later.
    if (generation === null && record) return record;
    const entry: CachedTokenEntry = { generation: generation ?? 0, record };
    if (redis && redisHealthy && epoch === this.epoch) {
      redis.tier.set(digest, entry).catch(() => this.count('redis', 'error'));
    }
    this.remember(epoch, digest, entry, memoryUsable);
    return record;
  }

  /**
   * Forgets the digests here, in Redis, and on every other instance. The
   * revocation generation is advanced first (a database failure rejects:
   * the change may not be reported done). Resolves once every instance has
   * applied it — acknowledged over Redis, or, when Redis could not carry it
   * to all of them, once every instance must have stopped trusting the old
   * generation.
   */
  async invalidate(digests: readonly string[]): Promise<void> {
    if (digests.length === 0) return;
    const redis = this.options.redis;
    const generation = redis ? await redis.generations.advance() : null;
    if (generation !== null) redis?.watch.learn(generation);
    this.forget(digests);
    if (!redis || generation === null) return;
    let told = false;
    try {
      await redis.tier.remove(digests);
      told = await redis.bus.publish(digests, generation);
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, 'could not publish a token cache invalidation');
    }
    if (told) return;
    const waitMs = redis.watch.timing.leaseMs + redis.watch.timing.pollMs;
    this.options.logger.warn({ waitMs }, 'not every instance heard the invalidation; waiting until none can trust the old generation');
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }

  /** The generation entries must carry; null when not known for certain (nothing known is trusted then). */
  private trustedGeneration(): number | null {
    const redis = this.options.redis;
    return redis ? redis.watch.trusted() : 0;
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

  private remember(epoch: number, digest: string, entry: CachedTokenEntry, memoryUsable: boolean): void {
    if (epoch !== this.epoch) return;
    if (!entry.record) this.memory.set(digest, UNKNOWN, { ttl: this.negativeTtlMs });
    else if (memoryUsable) this.memory.set(digest, entry);
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

/** True when `entry` was read under the generation trusted now (or a later one). */
function current(entry: CachedTokenEntry, generation: number | null): boolean {
  return generation !== null && entry.generation >= generation;
}
