/**
 * Redis connections that fail fast instead of queueing: while Redis is down
 * or slow, every command rejects at once (or after `commandTimeoutMs`) and
 * callers fall back to the store. ioredis reconnects on its own.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Metrics } from '../lib/metrics.js';

export interface RedisConnectionOptions {
  url: string;
  /** Label for logs and the `gitgate_redis_up{role}` gauge. */
  role: string;
  logger: Logger;
  metrics: Metrics;
  commandTimeoutMs?: number;
}

const DEFAULT_COMMAND_TIMEOUT_MS = 250;
const MAX_RECONNECT_DELAY_MS = 2000;

/** Opens a connection; never throws, never crashes the process on Redis errors. */
export function connectRedis(options: RedisConnectionOptions): Redis {
  const { role, logger, metrics } = options;
  const client = new Redis(options.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
    lazyConnect: false,
  });
  let up = false;
  metrics.redisUp.set({ role }, 0);
  client.on('ready', () => {
    up = true;
    metrics.redisUp.set({ role }, 1);
    logger.info({ redis: role }, 'redis connected');
  });
  client.on('error', (err: Error) => {
    // Logged once per outage, not once per reconnect attempt.
    if (up) logger.warn({ redis: role, err: err.message }, 'redis unavailable; authenticating from the database');
    up = false;
    metrics.redisUp.set({ role }, 0);
  });
  client.on('close', () => {
    up = false;
    metrics.redisUp.set({ role }, 0);
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
