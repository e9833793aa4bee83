/**
 * Once a revoke reports success, no instance admits the token again —
 * whatever Redis did meanwhile: killed during the revoke, restarted from a
 * snapshot taken while the token was cached, unreachable from the CLI that
 * revoked it while the server still reaches it. Every Redis here is a
 * private redis-server this file starts and kills by its own pid.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/users/user.js';
import { apiClient } from '../api/api-client.js';
import { databaseKinds } from '../support/databases.js';
import { freePort } from '../support/free-port.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { tempDir } from '../support/git-cli.js';
import { findRedisServer, startPrivateRedis, type PrivateRedis } from '../support/redis.js';
import { runProcess } from '../support/run-process.js';

const haveRedis = findRedisServer() !== null;
if (!haveRedis && process.env.CI === 'true') throw new Error('redis-server is required in CI');
const BIN = path.resolve('test/support/gitgate-source');

describe.runIf(haveRedis).each(databaseKinds())('revocation survives Redis faults, on %s', (kind) => {
  let snapshots: string;
  let redis: PrivateRedis;
  let gw: Gateway;
  let owner: User;
  const me = () => ({ id: owner.id, username: owner.username, isAdmin: false });
  const status = async (token: string) => (await apiClient(gw)('GET', '/user', { token })).status;

  /** A token whose record is cached in process and in Redis. */
  const cachedToken = async (): Promise<{ id: number; token: string }> => {
    const issued = await gw.createToken(owner, ['read_user']);
    expect(await status(issued.token)).toBe(200);
    expect(await status(issued.token)).toBe(200);
    return issued;
  };
  const restartRedis = async (): Promise<void> => {
    redis = await startPrivateRedis(redis.port, { snapshotDir: snapshots });
    await waitFor(() => gw.system.metrics.redisUp.get().then((m) => m.values.every((v) => v.value === 1)));
  };
  const save = async (): Promise<void> => {
    const client = new Redis(redis.url, { lazyConnect: true });
    await client.connect();
    await client.save();
    client.disconnect();
  };

  beforeAll(async () => {
    snapshots = tempDir('gitgate-redis-');
    redis = await startPrivateRedis(undefined, { snapshotDir: snapshots });
    gw = await startGateway(kind, { redisUrl: redis.url });
    owner = await gw.createUser('owner');
  });
  afterEach(async () => {
    if (redis.process.exitCode !== null || redis.process.signalCode !== null) await restartRedis();
  });
  afterAll(async () => {
    await gw?.stop();
    await redis?.stop();
    fs.rmSync(snapshots, { recursive: true, force: true });
  });

  it('a revoke while Redis is dead waits until no instance trusts the old record, and Redis restarted from a snapshot holding it does not bring it back', async () => {
    const { id, token } = await cachedToken();
    await save();
    await redis.kill();
    await gw.system.tokens.revoke(me(), id);
    expect(await status(token)).toBe(401);
    await restartRedis();
    expect(await status(token)).toBe(401);
    expect(await status(token)).toBe(401);
  });

  it('Redis restarted from a snapshot taken before a revoke that reached it does not bring the token back', async () => {
    const { id, token } = await cachedToken();
    await save();
    await gw.system.tokens.revoke(me(), id);
    expect(await status(token)).toBe(401);
    await redis.kill();
    await restartRedis();
    expect(await status(token)).toBe(401);
    expect(await status(token)).toBe(401);
  });

  it('a revoke by a CLI that cannot reach Redis, while the server can, is refused on the next request', async () => {
    const { id, token } = await cachedToken();
    const unreachable = `redis://127.0.0.1:${await freePort()}`;
    const cli = await runProcess(BIN, ['token', 'revoke', String(id)], { env: { ...process.env, ...gw.env, REDIS_URL: unreachable, LOG_LEVEL: 'silent' } });
    expect(cli.code, cli.stderr).toBe(0);
    expect(await status(token)).toBe(401);
    expect(await status(token)).toBe(401);
  });

  it('a user blocked while Redis is dead is refused, and stays refused when a snapshot returns', async () => {
    const user = await gw.createUser('blocked-later');
    const issued = await gw.createToken(user, ['read_user']);
    expect(await status(issued.token)).toBe(200);
    await save();
    await redis.kill();
    await gw.system.users.block(user.id);
    expect(await status(issued.token)).toBe(403);
    await restartRedis();
    expect(await status(issued.token)).toBe(403);
  });
});

describe.runIf(haveRedis)('revocation across a network partition between an instance and Redis', () => {
  let redis: PrivateRedis;
  let relay: Relay;
  let a: Gateway;
  let b: Gateway;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    relay = await startRelay(redis.port);
    a = await startGateway('sqlite', { redisUrl: redis.url });
    b = await startGateway('sqlite', { shareWith: a, env: { REDIS_URL: `redis://127.0.0.1:${relay.port}` } });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    relay?.close();
    await redis?.stop();
  });

  it('an instance whose Redis link silently stops carrying data refuses the token once the revoke on another instance returns', async () => {
    const owner = await a.createUser('partitioned');
    const { id, token } = await a.createToken(owner, ['read_user']);
    const user = async (gw: Gateway) => (await apiClient(gw)('GET', '/user', { token })).status;
    expect(await user(b)).toBe(200);
    expect(await user(b)).toBe(200);
    relay.blackhole();
    await a.system.tokens.revoke({ id: owner.id, username: owner.username, isAdmin: false }, id);
    expect(await user(a)).toBe(401);
    expect(await user(b)).toBe(401);
  });
});

/** A TCP relay to Redis that can stop carrying bytes without closing anything, as a partition does. */
interface Relay {
  port: number;
  blackhole(): void;
  close(): void;
}

async function startRelay(targetPort: number): Promise<Relay> {
  const sockets = new Set<net.Socket>();
  let cut = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(from);
      from.on('error', () => undefined);
      from.on('data', (chunk: Buffer) => {
        if (!cut) to.write(chunk);
      });
      from.on('close', () => to.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    blackhole: () => {
      cut = true;
    },
    close: () => {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}

/** Polls `condition` every 50 ms for at most 10 s (a reconnect, not a timing assertion). */
async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met within 10 s');
}
