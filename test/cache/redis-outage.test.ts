/**
 * Redis going away never admits anyone: a private redis-server (started
 * and stopped here, by its own pid) is killed mid-test; valid tokens keep
 * working from the database, revoked ones stay refused, and the cache comes
 * back when Redis does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Project } from '../../src/projects/project.js';
import type { User } from '../../src/users/user.js';
import { ACCESS_TOKENS_PATH } from '../../src/lib/access-tokens-page.js';
import { databaseKinds } from '../support/databases.js';
import { PASSWORD, startGateway, type Gateway } from '../support/gateway.js';
import { freePort } from '../support/free-port.js';
import { findRedisServer, startPrivateRedis, type PrivateRedis } from '../support/redis.js';
import { WebClient } from '../web/support/web-client.js';
import { lookups, refsStatus } from './support.js';

const haveRedis = findRedisServer() !== null;
if (!haveRedis && process.env.CI === 'true') throw new Error('redis-server is required in CI');

describe.runIf(haveRedis).each(databaseKinds())('Redis outage (private redis-server) on %s', (kind) => {
  let redis: PrivateRedis;
  let gw: Gateway;
  let owner: User;
  let project: Project;
  const repo = () => `${project.namespace}/${project.path}`;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    gw = await startGateway(kind, { redisUrl: redis.url });
    owner = await gw.createUser('owner');
    project = await gw.createProject(owner, 'p');
  });
  afterAll(async () => {
    await gw?.stop();
    await redis?.stop();
  });

  it('authenticates from the database while Redis is down, and uses Redis again when it returns', async () => {
    const keep = await gw.createToken(owner, ['read_repository']);
    const drop = await gw.createToken(owner, ['read_repository']);
    expect(await refsStatus(gw, repo(), keep.token)).toBe(200);
    expect(await refsStatus(gw, repo(), drop.token)).toBe(200);

    await redis.stop();
    await waitFor(async () => logged(gw, 'redis unavailable').length > 0);
    const storeBefore = await lookups(gw, 'store');
    expect(await refsStatus(gw, repo(), keep.token)).toBe(200);
    expect(await lookups(gw, 'store')).toBeGreaterThan(storeBefore);

    await gw.system.tokens.revoke({ id: owner.id, username: owner.username, isAdmin: false }, drop.id);
    expect(await refsStatus(gw, repo(), drop.token)).toBe(401);
    expect(await refsStatus(gw, repo(), keep.token)).toBe(200);
    const metrics = await (await fetch(`${gw.url}/-/metrics`)).text();
    expect(metrics).toMatch(/gitgate_redis_up\{role="command"\} 0/);
    expect(metrics).toMatch(/gitgate_token_lookups_total\{tier="redis",result="error"\} [1-9]/);

    redis = await startPrivateRedis(redis.port);
    await gw.system.tokens.flushUsage();
    await waitFor(async () => (await fetch(`${gw.url}/-/metrics`).then((r) => r.text())).includes('gitgate_redis_up{role="subscriber"} 1'));
    expect(await refsStatus(gw, repo(), keep.token)).toBe(200);
    const redisHits = await lookups(gw, 'redis', 'hit');
    const memoryHits = await lookups(gw, 'memory', 'hit');
    expect(await refsStatus(gw, repo(), keep.token)).toBe(200);
    expect((await lookups(gw, 'redis', 'hit')) + (await lookups(gw, 'memory', 'hit'))).toBeGreaterThan(redisHits + memoryHits);
    expect(await refsStatus(gw, repo(), drop.token)).toBe(401);

    // One warning for the outage however many reconnects it took, one line when it ended.
    await waitFor(async () => logged(gw, 'redis available again').length > 0);
    const warnings = logged(gw, 'redis unavailable');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, msg: 'redis unavailable; authenticating from the database' });
    expect(logged(gw, 'redis available again')).toEqual([expect.objectContaining({ level: 30, redis: ['command', 'subscriber'] })]);
    expect(logged(gw, 'redis unreachable')).toEqual([]);
  });

  it('answers web pages 503 (not 500) while the Redis holding the sessions is down, and serves them again when it returns', async () => {
    const user = await gw.createUser('webby');
    const browser = new WebClient(gw.url);
    expect((await browser.signIn(user.username, PASSWORD)).location).toBe(ACCESS_TOKENS_PATH);
    expect((await browser.get(ACCESS_TOKENS_PATH)).status).toBe(200);

    await redis.stop();
    expect((await browser.get(ACCESS_TOKENS_PATH)).status).toBe(503);
    expect((await new WebClient(gw.url).signIn(user.username, PASSWORD)).status).toBe(503);
    expect(gw.logs.map((line) => JSON.parse(line) as { level: number }).filter((entry) => entry.level >= 50)).toEqual([]);

    redis = await startPrivateRedis(redis.port);
    await waitFor(async () => (await new WebClient(gw.url).signIn(user.username, PASSWORD)).location === ACCESS_TOKENS_PATH);
  });
});

describe.runIf(haveRedis)('Redis unreachable at start (private redis-server)', () => {
  let redis: PrivateRedis | undefined;
  let gw: Gateway | undefined;
  afterAll(async () => {
    await gw?.stop();
    await redis?.stop();
  });

  it('says so once at start, serves from the database, and says when Redis answers', async () => {
    const port = await freePort();
    gw = await startGateway('sqlite', { redisUrl: `redis://127.0.0.1:${port}` });
    await waitFor(async () => logged(gw!, 'redis unreachable').length > 0);
    const owner = await gw.createUser('owner');
    const project = await gw.createProject(owner, 'p');
    const { token } = await gw.createToken(owner, ['read_repository']);
    expect(await refsStatus(gw, `${project.namespace}/${project.path}`, token)).toBe(200);

    redis = await startPrivateRedis(port);
    await waitFor(async () => logged(gw!, 'redis available again').length > 0);
    expect(logged(gw, 'redis unreachable')).toEqual([
      expect.objectContaining({ level: 40, msg: 'redis unreachable at start; authenticating from the database until it answers' }),
    ]);
    expect(logged(gw, 'redis unavailable')).toEqual([]);
    expect(logged(gw, 'redis available again')).toHaveLength(1);
  });
});

/** The gateway's log lines whose message starts with `prefix`, parsed. */
function logged(gw: Gateway, prefix: string): Array<{ level: number; msg: string; [field: string]: unknown }> {
  return gw.logs
    .map((line) => JSON.parse(line) as { level: number; msg: string })
    .filter((entry) => typeof entry.msg === 'string' && entry.msg.startsWith(prefix));
}

/** Polls `condition` every 50 ms for at most 10 s (a reconnect, not a timing assertion). */
async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met within 10 s');
}
