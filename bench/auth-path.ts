/**
 * The authentication path of every git and API request, measured in
 * process: TokenService.authenticate() on a valid token with
 *   - memory: warm in-process tier (Redis configured and subscribed),
 *   - memory + ban: the same under the per-address ban (GuardedAuthentication
 *     with its ledger in Redis: a reservation and a settlement per request),
 *     which is what an authenticated request from a non-allow-listed address costs,
 *   - redis:  warm Redis tier, in-process tier off for known tokens,
 *   - store:  no cache, the database every time (the baseline),
 *   - memory, audit off: the memory tier with an audit recorder that
 *     discards, to show what the audit log's per-use check (has this token
 *     been used from this address?) costs the memory tier,
 * alternating them, several rounds, printing medians and ratios.
 *
 *   npm run bench:auth            # PostgreSQL + Redis on 127.0.0.1 when reachable, else SQLite
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { AuditLog, type AuditRecorder } from '../src/audit/audit-log.js';
import { GuardedAuthentication } from '../src/auth/guarded-authentication.js';
import { CachedTokenLookup } from '../src/cache/cached-token-lookup.js';
import { GenerationWatch } from '../src/cache/generation-watch.js';
import { IpBanGuard } from '../src/cache/ip-ban-guard.js';
import { InvalidationBus } from '../src/cache/invalidation-bus.js';
import { closeRedis, connectRedis } from '../src/cache/redis-connection.js';
import { RedisOutageLog } from '../src/cache/redis-outage-log.js';
import { RedisTokenTier } from '../src/cache/redis-token-tier.js';
import { systemClock } from '../src/lib/clock.js';
import { createMetrics } from '../src/lib/metrics.js';
import type { DatabaseConfig } from '../src/storage/database.js';
import { openStores } from '../src/storage/stores.js';
import { StoreTokenLookup } from '../src/tokens/store-token-lookup.js';
import { TokenCodec } from '../src/tokens/token-codec.js';
import type { TokenLookup } from '../src/tokens/token-lookup.js';
import { TokenService } from '../src/tokens/token.service.js';
import { percentile, median, table } from './stats.js';

const PG_ADMIN = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CALLS = Number(process.env.BENCH_CALLS ?? 5000);
const CONCURRENCY = 8;
/** A client address the ban applies to (loopback is allow-listed by default). */
const CLIENT = '198.51.100.7';
/** Restrictions name no project in the bench. */
const noProjects = { resolveProject: async () => null };

async function main(): Promise<void> {
  const logger = pino({ level: 'warn' });
  const metrics = createMetrics({ defaultMetrics: false });
  const { config: dbConfig, drop, label } = await database();
  const stores = await openStores(dbConfig);
  const outages = new RedisOutageLog(logger);
  const command = connectRedis({ url: REDIS, role: 'command', metrics, outages });
  const subscriber = connectRedis({ url: REDIS, role: 'subscriber', metrics, outages });
  const prefix = `gitgate-bench:${randomBytes(4).toString('hex')}:`;
  const bus = new InvalidationBus({ subscriber, publisher: command, prefix, logger, metrics });
  const tier = new RedisTokenTier(command, { prefix, positiveTtlMs: 300_000, negativeTtlMs: 30_000, tombstoneTtlMs: 60_000 });
  await new Promise((r) => setTimeout(r, 300));
  if (!bus.ready()) throw new Error(`Redis at ${REDIS} is not reachable`);

  const store = new StoreTokenLookup(stores.tokens, stores.users);
  const generations = stores.revocationGeneration;
  const watch = new GenerationWatch(generations, logger);
  await watch.start();
  const redis = { tier, bus, generations, watch };
  const lookups: Record<string, TokenLookup> = {
    memory: new CachedTokenLookup({ store, logger, metrics, redis, externalChanges: null }),
    redis: new CachedTokenLookup({ store, logger, metrics, redis, externalChanges: null, memory: { knownTokens: false } }),
    store,
  };
  const codec = new TokenCodec('glpat-', randomBytes(32));
  const audit = new AuditLog({ store: stores.audit, clock: systemClock, logger, metrics });
  const discard: AuditRecorder = { record: async () => undefined, recordOnce: async () => undefined };
  const user = await stores.users.create({ username: 'bench', email: 'bench@example.test', name: 'Bench', passwordHash: null, isAdmin: false, createdAt: new Date() });
  const services = Object.fromEntries(
    Object.entries(lookups).map(([name, lookup]) => [
      name,
      new TokenService({ tokens: stores.tokens, users: stores.users, codec, lookup, projects: noProjects, clock: systemClock, maxLifetimeDays: null, audit }),
    ]),
  );
  const unaudited = new TokenService({ tokens: stores.tokens, users: stores.users, codec, lookup: lookups.memory!, projects: noProjects, clock: systemClock, maxLifetimeDays: null, audit: discard });
  const benchAdmin = { id: 0, username: 'bench', isAdmin: true };
  const { plaintext } = await services.store!.create(benchAdmin, user.id, { name: 'bench', scopes: ['read_repository'] });
  // A restricted token (issue 16): its address list is checked on every use.
  const restricted = await services.store!.create(benchAdmin, user.id, {
    name: 'bench restricted',
    scopes: ['write_repository'],
    restrictions: { namespaces: ['bench'], allowedIps: ['10.0.0.0/8', '2001:db8::/32', CLIENT], pushRefs: ['refs/heads/bot/*'], allowForcePush: false },
  });
  // The whole check of an authenticated request: the memory tier under the per-address ban in Redis.
  const ban = new IpBanGuard(
    { enabled: true, maxRetry: 10, findTimeSeconds: 60, banTimeSeconds: 3600, allowlist: [] },
    metrics,
    { client: command, prefix },
  );
  const guarded = new GuardedAuthentication(ban, audit);
  const paths: Record<string, () => Promise<unknown>> = {
    memory: () => services.memory!.authenticate(plaintext, CLIENT),
    'memory, restricted token': () => services.memory!.authenticate(restricted.plaintext, CLIENT),
    'memory, audit off': () => unaudited.authenticate(plaintext, CLIENT),
    'memory + ban': () => guarded.run('api', CLIENT, () => services.memory!.authenticate(plaintext, CLIENT)),
    redis: () => services.redis!.authenticate(plaintext, CLIENT),
    store: () => services.store!.authenticate(plaintext, CLIENT),
  };

  const samples: Record<string, { rps: number[]; p50: number[]; p99: number[] }> = {};
  for (const [name, path] of Object.entries(paths)) {
    samples[name] = { rps: [], p50: [], p99: [] };
    for (let i = 0; i < 200; i++) await path();
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, path] of Object.entries(paths)) {
      const latencies: number[] = [];
      const started = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next++ < CALLS) {
            const t = performance.now();
            await path();
            latencies.push(performance.now() - t);
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      latencies.sort((x, y) => x - y);
      samples[name]!.rps.push(CALLS / seconds);
      samples[name]!.p50.push(percentile(latencies, 50));
      samples[name]!.p99.push(percentile(latencies, 99));
    }
  }
  const base = samples.store!;
  console.log(`\nAuthentication path (TokenService.authenticate, valid token; "memory + ban" adds the per-address ban's reservation in Redis), ${label} + Redis, ${CONCURRENCY} concurrent callers, ${CALLS} calls × ${ROUNDS} rounds, median (min–max)`);
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}\n`);
  console.log(
    table(
      ['tier', 'requests/s', 'p50 µs', 'p99 µs', 'requests/s vs store', 'p50 vs store'],
      Object.entries(samples).map(([name, s]) => [
        name,
        range(s.rps, 0),
        range(s.p50.map((v) => v * 1000), 0),
        range(s.p99.map((v) => v * 1000), 0),
        `${(median(s.rps) / median(base.rps)).toFixed(2)}×`,
        `${(median(s.p50) / median(base.p50)).toFixed(2)}×`,
      ]),
    ),
  );
  await Promise.all(Object.values(services).map((s) => s.flushUsage()));
  await audit.close();
  watch.stop();
  outages.stop();
  await Promise.all([closeRedis(subscriber), closeRedis(command)]);
  await stores.close();
  await drop();
}

function range(values: number[], digits: number): string {
  const sorted = [...values].sort((a, b) => a - b);
  return `${median(values).toFixed(digits)} (${sorted[0]!.toFixed(digits)}–${sorted.at(-1)!.toFixed(digits)})`;
}

async function database(): Promise<{ config: DatabaseConfig; drop: () => Promise<void>; label: string }> {
  const admin = new pg.Client({ connectionString: PG_ADMIN, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
    const name = `gitgate_bench_${randomBytes(4).toString('hex')}`;
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(PG_ADMIN);
    url.pathname = `/${name}`;
    return {
      config: { kind: 'postgres', url: url.toString() },
      label: 'PostgreSQL',
      drop: async () => {
        const again = new pg.Client({ connectionString: PG_ADMIN });
        await again.connect();
        await again.query(`drop database if exists ${name} with (force)`);
        await again.end();
      },
    };
  } catch {
    await admin.end().catch(() => undefined);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitgate-bench-'));
    return {
      config: { kind: 'sqlite', path: path.join(dir, 'bench.sqlite3') },
      label: 'SQLite',
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
}

await main();
