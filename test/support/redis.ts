/**
 * Finding or starting Redis for the test run. The shared server is used
 * only under a key prefix unique to each gateway (never FLUSHALL); tests
 * that must stop Redis start a private `redis-server` on a free port and
 * stop it by its own pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** Null when `url` answers PING, else why not. */
export async function probeRedis(url: string, timeoutMs = 1500): Promise<string | null> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    client.disconnect();
  }
}

/** The redis-server executable, or null. */
export function findRedisServer(): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter).concat('/usr/bin', '/usr/sbin')) {
    const candidate = join(dir, 'redis-server');
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/** A redis-server this test started; `stop`/`kill` end only that process. */
export interface PrivateRedis {
  url: string;
  port: number;
  process: ChildProcess;
  /** Graceful stop; resolves when the process has exited. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash: nothing is saved; resolves when the process has exited. */
  kill(): Promise<void>;
}

/**
 * Starts `redis-server` on a free loopback port (optionally a given one, to
 * restart). It never saves by itself; with `snapshotDir` it loads
 * `dump.rdb` from there at start and a `SAVE` writes it there, so a test
 * can restart it from an old snapshot.
 */
export async function startPrivateRedis(port?: number, options: { snapshotDir?: string } = {}): Promise<PrivateRedis> {
  const binary = findRedisServer();
  if (!binary) throw new Error('redis-server is not installed');
  const chosen = port ?? (await freePort());
  const snapshot = options.snapshotDir ? ['--dir', options.snapshotDir, '--dbfilename', 'dump.rdb'] : [];
  const child = spawn(binary, ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...snapshot], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `redis://127.0.0.1:${chosen}`;
  for (let attempt = 0; attempt < 100; attempt++) {
    if ((await probeRedis(url, 200)) === null) {
      return {
        url,
        port: chosen,
        process: child,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
        kill: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
      };
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not start on port ${chosen}`);
}
