/**
 * Two gateway instances sharing PostgreSQL (or SQLite) and Redis: whatever
 * one instance or the CLI changes is refused by the other on the very next
 * request, though its in-process tier held the token.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { Project } from '../../src/projects/project.js';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { lookups, refsStatus } from './support.js';

const run = promisify(execFile);
const redisUrl = inject('redisUrl');
const BIN = path.resolve('test/support/gitgate-source');

describe.runIf(redisUrl).each(databaseKinds())('two instances with Redis on %s', (kind) => {
  let a: Gateway;
  let b: Gateway;
  let owner: User;
  let project: Project;
  const repo = () => `${project.namespace}/${project.path}`;
  const actor = () => ({ id: owner.id, username: owner.username, isAdmin: false });

  beforeAll(async () => {
    a = await startGateway(kind, { redisUrl: redisUrl! });
    b = await startGateway(kind, { shareWith: a });
    owner = await a.createUser('owner');
    project = await a.createProject(owner, 'shared');
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  /** A token that B has just served from its in-process tier. */
  async function warmOnB(scopes = ['read_repository']): Promise<{ id: number; token: string }> {
    const issued = await a.createToken(owner, scopes);
    expect(await refsStatus(b, repo(), issued.token)).toBe(200);
    const before = await lookups(b, 'memory', 'hit');
    expect(await refsStatus(b, repo(), issued.token)).toBe(200);
    expect(await lookups(b, 'memory', 'hit')).toBe(before + 1);
    return issued;
  }

  it('a revocation on A is refused on B at the next request', async () => {
    const { id, token } = await warmOnB();
    await a.system.tokens.revoke(actor(), id);
    expect(await refsStatus(b, repo(), token)).toBe(401);
    expect(await refsStatus(a, repo(), token)).toBe(401);
  });

  it('a revocation by the CLI in another process is refused on B at the next request', async () => {
    const { id, token } = await warmOnB();
    await run(BIN, ['token', 'revoke', String(id)], { env: { ...process.env, ...a.env } });
    expect(await refsStatus(b, repo(), token)).toBe(401);
  });

  it('blocking the user on A is refused on B, unblocking admits again', async () => {
    const { token } = await warmOnB();
    await a.system.users.block(owner.id);
    expect(await refsStatus(b, repo(), token)).toBe(401);
    await a.system.users.unblock(owner.id);
    expect(await refsStatus(b, repo(), token)).toBe(200);
  });

  it('rotation on A: B refuses the old token at once and takes the new one', async () => {
    const { id, token } = await warmOnB();
    const rotated = await a.system.tokens.rotate(actor(), id);
    expect(await refsStatus(b, repo(), token)).toBe(401);
    expect(await refsStatus(b, repo(), rotated.plaintext)).toBe(200);
  });

  it('reuse of a rotated token on a rotation request (on A) revokes the family on B too', async () => {
    const { id, token } = await warmOnB();
    const rotated = await a.system.tokens.rotate(actor(), id);
    expect(await refsStatus(b, repo(), rotated.plaintext)).toBe(200);
    await expect(a.system.tokens.authenticate(token, '127.0.0.1', { detectReuse: true })).rejects.toThrow(/revoked/);
    expect(await refsStatus(b, repo(), rotated.plaintext)).toBe(401);
  });

  it('a storm of requests on B while A revokes admits nothing after the revoke returned', async () => {
    const { id, token } = await warmOnB();
    const results: Array<{ startedAt: number; status: number }> = [];
    let revokedAt = Number.POSITIVE_INFINITY;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const startedAt = performance.now();
        results.push({ startedAt, status: await refsStatus(b, repo(), token) });
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    await new Promise((r) => setTimeout(r, 100));
    await a.system.tokens.revoke(actor(), id);
    revokedAt = performance.now();
    await new Promise((r) => setTimeout(r, 150));
    stop = true;
    await Promise.all(workers);
    const after = results.filter((r) => r.startedAt > revokedAt);
    const before = results.filter((r) => r.startedAt < revokedAt);
    expect(before.some((r) => r.status === 200)).toBe(true);
    expect(after.length).toBeGreaterThan(5);
    expect(after.filter((r) => r.status !== 401)).toEqual([]);
  });
});
