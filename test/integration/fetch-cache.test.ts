/**
 * The fetch cache in the real gateway: a kept clone answer is still only for
 * those who may read the repository at that moment (revoked tokens, removed
 * members, wrong scopes), a public repository's answer serves anonymous
 * clones too, and `/-/metrics` counts what happened.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Project } from '../../src/projects/project.js';
import type { User } from '../../src/users/user.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { authUrl, git, gitOk, tempDir } from '../support/git-cli.js';

describe('fetch cache in the gateway', () => {
  let gw: Gateway;
  let alice: User, bob: User;
  let priv: Project, pub: Project;

  beforeAll(async () => {
    gw = await startGateway('sqlite');
    [alice, bob] = await Promise.all([gw.createUser('alice'), gw.createUser('bob')]);
    priv = await gw.createProject(alice, 'kept');
    pub = await gw.createProject(alice, 'shown', 'public');
    await Promise.all([gw.seedCommit(priv), gw.seedCommit(pub)]);
    await gw.addMember(priv, bob, 'reporter');
    // Ref states newer than 2 s are never shared or kept.
    await new Promise((resolve) => setTimeout(resolve, 2100));
  });
  afterAll(() => gw?.stop());

  const clone = (project: Project, username?: string, secret?: string) =>
    git(['clone', '--bare', authUrl(gw.url, `${project.namespace}/${project.path}.git`, username, secret), tempDir()]);

  async function events(): Promise<Record<string, number>> {
    const text = await (await fetch(`${gw.url}/-/metrics`)).text();
    const found: Record<string, number> = {};
    for (const m of text.matchAll(/^gitgate_fetch_cache_events_total\{event="(\w+)"\} (\d+)$/gm)) found[m[1]!] = Number(m[2]);
    return found;
  }

  it('answers a repeated clone from the cache, and counts it', async () => {
    const { token } = await gw.createToken(alice, ['read_repository']);
    expect((await clone(priv, 'alice', token)).code).toBe(0);
    const before = await events();
    expect((await clone(priv, 'alice', token)).code).toBe(0);
    const after = await events();
    expect(after.hits).toBe((before.hits ?? 0) + 1);
    expect(after.runs).toBe(before.runs);
  });

  it('refuses a revoked token, a token without a git scope, and a removed member, though the answer is kept', async () => {
    const { id, token } = await gw.createToken(bob, ['read_repository']);
    expect((await clone(priv, 'bob', token)).code).toBe(0);
    await gw.system.tokens.revoke({ id: alice.id, username: alice.username, isAdmin: true }, id);
    const revoked = await clone(priv, 'bob', token);
    expect(revoked.code).not.toBe(0);
    expect(revoked.stderr).toContain('Authentication failed');

    const { token: userOnly } = await gw.createToken(bob, ['read_user']);
    const scoped = await clone(priv, 'bob', userOnly);
    expect(scoped.code).not.toBe(0);

    const { token: fresh } = await gw.createToken(bob, ['read_repository']);
    await gw.system.projects.removeMember({ id: 0, username: '(test)', isAdmin: true }, priv.id, bob.id);
    const removed = await clone(priv, 'bob', fresh);
    expect(removed.code).not.toBe(0);
    expect(removed.stderr).toMatch(/not found/i);
  });

  it('serves a public repository\'s kept answer to anonymous clones, which still cannot push', async () => {
    expect((await clone(pub)).code).toBe(0);
    const before = await events();
    const dir = tempDir();
    await gitOk(['clone', '-q', authUrl(gw.url, `${pub.namespace}/${pub.path}.git`), dir]);
    expect((await events()).hits).toBe((before.hits ?? 0) + 1);
    await gitOk(['-C', dir, 'commit', '-q', '--allow-empty', '-m', 'anonymous']);
    expect((await git(['-C', dir, 'push', 'origin', 'HEAD:main'])).code).not.toBe(0);
  });

  it('logs the bytes of a kept answer (sent with sendfile(2) where it is built) as it logs those git sent', async () => {
    const project = await gw.createProject(alice, 'logged');
    await gw.seedCommit(project, 'data.txt', randomBytes(300_000).toString('base64'));
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const { token } = await gw.createToken(alice, ['read_repository']);
    expect((await clone(project, 'alice', token)).code).toBe(0);
    expect((await clone(project, 'alice', token)).code).toBe(0);
    const answers = gw.logs
      .map((line) => JSON.parse(line) as { msg?: string; path?: string; bytes?: number })
      .filter((line) => line.msg === 'request' && line.path === `/${project.namespace}/${project.path}.git/git-upload-pack` && (line.bytes ?? 0) > 100_000);
    expect(answers).toHaveLength(2);
    const [ran, kept] = answers.map((line) => line.bytes!) as [number, number];
    // The run's answer was chunked as git wrote it, the kept one has a Content-Length: only framing differs.
    expect(Math.abs(kept - ran)).toBeLessThan(2000);
  });
});
