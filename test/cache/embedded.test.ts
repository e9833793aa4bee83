/**
 * Without Redis: the in-process tier alone, still correct when another
 * process (the CLI) changes the shared SQLite database; and negative
 * caching that keeps floods of made-up tokens away from the store in every
 * configuration.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TokenCodec } from '../../src/tokens/token-codec.js';
import type { Project } from '../../src/projects/project.js';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { lookups, refsStatus } from './support.js';

const run = promisify(execFile);
const BIN = path.resolve('test/support/gitgate-source');
const redisUrl = inject('redisUrl');

describe('SQLite without Redis', () => {
  let gw: Gateway;
  let owner: User;
  let project: Project;

  beforeAll(async () => {
    gw = await startGateway('sqlite');
    owner = await gw.createUser('owner');
    project = await gw.createProject(owner, 'p');
  });
  afterAll(() => gw?.stop());

  it('serves a warm token from memory, and refuses it right after the CLI revokes it in another process', async () => {
    const { id, token } = await gw.createToken(owner, ['read_repository']);
    const repo = `${project.namespace}/${project.path}`;
    expect(await refsStatus(gw, repo, token)).toBe(200);
    const hits = await lookups(gw, 'memory', 'hit');
    expect(await refsStatus(gw, repo, token)).toBe(200);
    expect(await lookups(gw, 'memory', 'hit')).toBe(hits + 1);

    const { stdout } = await run(BIN, ['token', 'revoke', String(id)], { env: { ...process.env, ...gw.env } });
    expect(stdout).toContain(`Revoked token ${id}`);
    expect(await refsStatus(gw, repo, token)).toBe(401);
  });

  it('refuses a user blocked by the CLI at the next request', async () => {
    const user = await gw.createUser('blockme');
    const own = await gw.createProject(user, 'own');
    const { token } = await gw.createToken(user, ['read_repository']);
    const repo = `${own.namespace}/${own.path}`;
    expect(await refsStatus(gw, repo, token)).toBe(200);
    expect(await refsStatus(gw, repo, token)).toBe(200);
    await run(BIN, ['user', 'block', 'blockme'], { env: { ...process.env, ...gw.env } });
    expect(await refsStatus(gw, repo, token)).toBe(401);
  });
});

const modes = databaseKinds().flatMap((kind) => [
  { name: `${kind} without Redis`, kind, redis: undefined },
  ...(redisUrl ? [{ name: `${kind} with Redis`, kind, redis: redisUrl }] : []),
]);

describe.each(modes)('token floods on $name', ({ kind, redis }) => {
  let gw: Gateway;
  let repo: string;

  beforeAll(async () => {
    gw = await startGateway(kind, redis ? { redisUrl: redis } : {});
    const owner = await gw.createUser('owner');
    const project = await gw.createProject(owner, 'p', 'public');
    repo = `${project.namespace}/${project.path}`;
  });
  afterAll(() => gw?.stop());

  it('sends each distinct well-formed unknown token to the store once', async () => {
    // Same prefix, any key: generate() needs no secret, only isWellFormed's shape.
    const forger = new TokenCodec('glpat-', Buffer.alloc(32));
    const tokens = Array.from({ length: 20 }, () => forger.generate());
    const before = await lookups(gw, 'store');
    for (let round = 0; round < 5; round++) {
      const statuses = await Promise.all(tokens.map((t) => refsStatus(gw, repo, t)));
      expect(new Set(statuses)).toEqual(new Set([401]));
    }
    expect((await lookups(gw, 'store')) - before).toBe(tokens.length);
  });

  it('never looks up malformed or bad-checksum tokens', async () => {
    const { token } = await gw.createToken(await gw.system.users.getByUsername('owner'), ['read_repository']);
    const bad = [`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, 'glpat-tooshort', `glpat-${'x'.repeat(38)}`];
    const counts = async () => (await lookups(gw, 'store')) + (await lookups(gw, 'memory')) + (await lookups(gw, 'redis'));
    const before = await counts();
    for (let round = 0; round < 10; round++) {
      for (const t of bad) expect(await refsStatus(gw, repo, t)).toBe(401);
    }
    expect(await counts()).toBe(before);
  });
});
