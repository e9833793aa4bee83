/**
 * Vitest global setup: decides which PostgreSQL server the run uses and
 * provides its admin URL (or null) to every suite as `inject('pgAdminUrl')`.
 *
 * Order: `TEST_PG_URL` (must work), the local server at DEFAULT_PG_URL, then a
 * private cluster started here and stopped at teardown (`TEST_PG_PRIVATE=1`
 * skips straight to that). Without any, CI (`CI=true`) fails; elsewhere the
 * PostgreSQL variants are skipped with a loud warning.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { DEFAULT_PG_URL, probePostgres, startPrivateCluster } from './postgres.js';
import type { PostgresServer } from './postgres.js';
import { DEFAULT_REDIS_URL, probeRedis, startPrivateRedis } from './redis.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin connection string of the shared test server; null when none. */
    pgAdminUrl: string | null;
    /** Redis for suites that need one (each uses its own key prefix); null when none. */
    redisUrl: string | null;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await locatePostgres(project.config.root);
  project.provide('pgAdminUrl', server?.url ?? null);
  if (server) console.info(`[gitgate tests] PostgreSQL: ${server.description}`);
  const redis = await locateRedis();
  project.provide('redisUrl', redis?.url ?? null);
  if (redis) console.info(`[gitgate tests] Redis: ${redis.description}`);
  // Every temporary directory of the run (the suites' and git's) goes under one, removed at teardown.
  const runTmp = mkdtempSync(join(tmpdir(), 'gitgate-run-'));
  process.env.TMPDIR = runTmp;
  return async () => {
    await server?.stop();
    await redis?.stop();
    rmSync(runTmp, { recursive: true, force: true });
  };
}

/**
 * `TEST_REDIS_URL`, the local server, or a private redis-server for the run.
 * Without any, CI fails and elsewhere the Redis suites are skipped loudly.
 */
async function locateRedis(): Promise<{ url: string; description: string; stop(): Promise<void> } | null> {
  const explicit = process.env.TEST_REDIS_URL;
  if (explicit) {
    const problem = await probeRedis(explicit);
    if (problem) throw new Error(`TEST_REDIS_URL is set but unusable: ${problem}`);
    return { url: explicit, description: 'TEST_REDIS_URL', stop: async () => undefined };
  }
  const problem = await probeRedis(DEFAULT_REDIS_URL);
  if (!problem) return { url: DEFAULT_REDIS_URL, description: DEFAULT_REDIS_URL, stop: async () => undefined };
  try {
    const own = await startPrivateRedis();
    return { url: own.url, description: `private redis-server (pid ${own.process.pid})`, stop: own.stop };
  } catch (err) {
    const why = `${DEFAULT_REDIS_URL}: ${problem}; private server: ${(err as Error).message}`;
    if (process.env.CI === 'true') throw new Error(`Redis is required in CI and none is available: ${why}`);
    const bar = '!'.repeat(78);
    console.warn(['', bar, '!!  NO REDIS: the Redis suites (test/cache/*) are SKIPPED.', `!!  Why: ${why}`, bar, ''].join('\n'));
    return null;
  }
}

async function locatePostgres(root: string): Promise<PostgresServer | null> {
  const explicit = process.env.TEST_PG_URL;
  if (explicit) {
    const problem = await probePostgres(explicit);
    if (problem) throw new Error(`TEST_PG_URL is set but unusable: ${problem}`);
    return { url: explicit, description: 'TEST_PG_URL', stop: async () => undefined };
  }
  const why: string[] = [];
  if (process.env.TEST_PG_PRIVATE !== '1') {
    const problem = await probePostgres(DEFAULT_PG_URL);
    if (!problem) return { url: DEFAULT_PG_URL, description: DEFAULT_PG_URL, stop: async () => undefined };
    why.push(`${DEFAULT_PG_URL}: ${problem}`);
  }
  const cluster = await startPrivateCluster(why);
  if (cluster) return cluster;

  if (process.env.CI === 'true') {
    throw new Error(`PostgreSQL is required in CI and none is available:\n  ${why.join('\n  ')}`);
  }
  warnSkipped(root, why);
  return null;
}

function warnSkipped(root: string, why: string[]): void {
  const bar = '!'.repeat(78);
  const suites = suitesUsingDatabases(root);
  console.warn(
    [
      '',
      bar,
      '!!  NO POSTGRESQL: the PostgreSQL variants of these suites are SKIPPED',
      '!!  (they run on SQLite only; CI runs both and would fail here):',
      ...suites.map((s) => `!!    - ${s}`),
      '!!  Why:',
      ...why.map((w) => `!!    - ${w}`),
      '!!  Fix: set TEST_PG_URL=postgres://user@host:port/db (role with CREATEDB),',
      '!!  or install PostgreSQL server binaries (initdb, pg_ctl).',
      bar,
      '',
    ].join('\n'),
  );
}

/** Test files that parametrize over databases, found by their use of databaseKinds(). */
function suitesUsingDatabases(root: string): string[] {
  const entries = readdirSync(join(root, 'test'), { recursive: true, encoding: 'utf8' });
  return entries
    .filter((file) => file.endsWith('.test.ts'))
    .filter((file) => readFileSync(join(root, 'test', file), 'utf8').includes('databaseKinds('))
    .map((file) => join('test', file))
    .sort();
}
