/**
 * Builds the token cache and the failed-authentication guard for a
 * configuration: Redis-backed and shared when a URL is given, in-process
 * otherwise. The factory of this layer's concrete parts; only the
 * composition root calls it.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { FailedAuthGuard } from '../identity/failed-auth-guard.js';
import type { Metrics } from '../lib/metrics.js';
import type { RevocationGenerationStore } from '../tokens/revocation-generation.store.js';
import type { TokenLookup } from '../tokens/token-lookup.js';
import { CachedTokenLookup } from './cached-token-lookup.js';
import { InvalidationBus } from './invalidation-bus.js';
import type { BanPolicy } from './ban-policy.js';
import { GenerationWatch, type GenerationTiming } from './generation-watch.js';
import { IpBanGuard } from './ip-ban-guard.js';
import { closeRedis, connectRedis } from './redis-connection.js';
import { RedisOutageLog } from './redis-outage-log.js';
import { RedisTokenTier } from './redis-token-tier.js';

export interface TokenCacheOptions {
  store: TokenLookup;
  /** The revocation generation, checked by cached entries when Redis is configured. */
  generations: RevocationGenerationStore;
  /** How often it is read and how long a reading is trusted (default: 1 s, 3 s). */
  generationTiming?: GenerationTiming;
  redisUrl: string | null;
  redisPrefix: string;
  externalChanges: (() => number) | null;
  banPolicy: BanPolicy;
  logger: Logger;
  metrics: Metrics;
}

export interface TokenCache {
  lookup: TokenLookup;
  guard: FailedAuthGuard;
  /** The command connection, when Redis is configured (readiness, other users). */
  redis: Redis | null;
  /** The subscriber connection, when Redis is configured (other buses may subscribe on it). */
  subscriber: Redis | null;
  /** Waits (at most `timeoutMs`) for Redis to connect; resolves either way. */
  connected(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

const POSITIVE_TTL_MS = 5 * 60_000;
const NEGATIVE_TTL_MS = 30_000;
const TOMBSTONE_TTL_MS = 60_000;

export function createTokenCache(options: TokenCacheOptions): TokenCache {
  const { logger, metrics } = options;
  if (!options.redisUrl) {
    return {
      lookup: new CachedTokenLookup({ store: options.store, logger, metrics, redis: null, externalChanges: options.externalChanges }),
      guard: new IpBanGuard(options.banPolicy, metrics, null),
      redis: null,
      subscriber: null,
      connected: async () => undefined,
      close: async () => undefined,
    };
  }
  const outages = new RedisOutageLog(logger);
  const command = connectRedis({ url: options.redisUrl, role: 'command', metrics, outages });
  const subscriber = connectRedis({ url: options.redisUrl, role: 'subscriber', metrics, outages, commandTimeoutMs: 2000 });
  const prefix = options.redisPrefix;
  const bus = new InvalidationBus({ subscriber, publisher: command, prefix, logger, metrics });
  const tier = new RedisTokenTier(command, {
    prefix,
    positiveTtlMs: POSITIVE_TTL_MS,
    negativeTtlMs: NEGATIVE_TTL_MS,
    tombstoneTtlMs: TOMBSTONE_TTL_MS,
  });
  const generations = options.generations;
  const watch = new GenerationWatch(generations, logger, options.generationTiming);
  return {
    lookup: new CachedTokenLookup({ store: options.store, logger, metrics, redis: { tier, bus, generations, watch }, externalChanges: null }),
    guard: new IpBanGuard(options.banPolicy, metrics, { client: command, prefix }),
    redis: command,
    subscriber,
    connected: (timeoutMs) =>
      Promise.all([whenReady(command, timeoutMs), whenReady(subscriber, timeoutMs), watch.start()]).then(() => undefined),
    close: async () => {
      watch.stop();
      outages.stop();
      await Promise.all([closeRedis(subscriber), closeRedis(command)]);
    },
  };
}

function whenReady(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    client.once('ready', done);
    function done(): void {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    }
  });
}
