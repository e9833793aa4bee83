/**
 * Redis connections that fail fast instead of queueing: while Redis is down
 * or slow, every command rejects at once (or after `commandTimeoutMs`) and
 * callers fall back to the store. ioredis reconnects on its own.
 */
import { Redis } from 'ioredis';
import type { Metrics } from '../lib/metrics.js';
import type { RedisOutageLog } from './redis-outage-log.js';

export interface RedisConnectionOptions {
  url: string;
  /** Label for logs and the `gitgate_redis_up{role}` gauge. */
  role: string;
  metrics: Metrics;
  /** Where the connection reports going down and coming back (shared by a system's connections). */
  outages: RedisOutageLog;
  commandTimeoutMs?: number;
}

const DEFAULT_COMMAND_TIMEOUT_MS = 250;
const MAX_RECONNECT_DELAY_MS = 2000;

/** Opens a connection; never throws, never crashes the process on Redis errors. */
export function connectRedis(options: RedisConnectionOptions): Redis {
  const { role, metrics, outages } = options;
  const client = new Redis(options.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
    lazyConnect: false,
  });
  outages.register(role);
  metrics.redisUp.set({ role }, 0);
  client.on('ready', () => {
    metrics.redisUp.set({ role }, 1);
    outages.ready(role);
  });
  // ioredis emits 'close' and 'error' in either order, and again on every
  // reconnect attempt: the outage log reports only the first of an outage.
  client.on('error', (err: Error) => {
    metrics.redisUp.set({ role }, 0);
    outages.down(role, err.message);
  });
  client.on('close', () => {
    metrics.redisUp.set({ role }, 0);
    outages.down(role);
  });
  return client;
}

/** Closes a connection without waiting for a dead server. */
export async function closeRedis(client: Redis): Promise<void> {
  try {
    if (client.status === 'ready') await client.quit();
    else client.disconnect();
  } catch {
    client.disconnect();
  }
}
