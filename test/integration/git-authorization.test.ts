/**
 * DESIGN.md's authorization table, end to end: real git client, real
 * server, on every database of the run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Project } from '../../src/projects/project.js';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { PASSWORD, startGateway, type Gateway } from '../support/gateway.js';
import { authUrl, git, gitOk, tempDir } from '../support/git-cli.js';

function basic(username: string, secret: string): string {
  return `Basic ${Buffer.from(`${username}:${secret}`).toString('base64')}`;
}

describe.each(databaseKinds())('git authorization on %s', (kind) => {
  let gw: Gateway;
  let alice: User, bob: User, carol: User, dave: User, eve: User, admin: User;
  let priv: Project, pub: Project, internal: Project;

  beforeAll(async () => {
    gw = await startGateway(kind);
    [alice, bob, carol, dave, eve, admin] = await Promise.all([
      gw.createUser('alice'),
      gw.createUser('bob'),
      gw.createUser('carol'),
      gw.createUser('dave'),
      gw.createUser('eve'),
      gw.createUser('admin1', { admin: true }),
    ]);
    priv = await gw.createProject(alice, 'secret');
    pub = await gw.createProject(alice, 'open', 'public');
    internal = await gw.createProject(alice, 'inside', 'internal');
    await Promise.all([priv, pub, internal].map((p) => gw.seedCommit(p)));
    await gw.addMember(priv, bob, 'reporter');
    await gw.addMember(priv, carol, 'developer');
    await gw.addMember(priv, eve, 'reporter');
    await gw.system.twoFactor.enableNow(eve);
  });
  afterAll(() => gw?.stop());

  const infoRefs = (repo: string, service: string, authorization?: string) =>
    fetch(`${gw.url}/${repo}/info/refs?service=${service}`, {
      headers: authorization ? { authorization } : {},
    });
  const cloneWith = (repo: string, username?: string, secret?: string, extra: string[] = []) =>
    git(['clone', '--bare', ...extra, authUrl(gw.url, `${repo}.git`, username, secret), tempDir()]);

  async function pushWith(project: Project, username: string, secret: string) {
    const dir = tempDir();
    await gitOk(['clone', '-q', gw.repoPath(project), dir]);
    await gitOk(['-C', dir, 'commit', '-q', '--allow-empty', '-m', 'change']);
    return git(['-C', dir, 'push', authUrl(gw.url, `${project.namespace}/${project.path}.git`, username, secret), 'HEAD:refs/heads/topic-' + Date.now()]);
  }

  describe('fetch scopes', () => {
    it.each([
      ['read_repository', 200],
      ['write_repository', 200],
      ['api', 200],
      ['read_api', 200],
      ['read_user', 403],
      ['read_registry', 403],
      ['write_registry', 403],
    ])('a %s token → %i', async (scope, status) => {
      const { token } = await gw.createToken(alice, [scope]);
      const res = await infoRefs('alice/secret.git', 'git-upload-pack', basic('oauth2', token));
      expect(res.status).toBe(status);
      if (status === 403) expect(await res.text()).toMatch(/read_repository/);
    });

    it('clones with a read_repository token over protocol v0 and v2', async () => {
      const { token } = await gw.createToken(bob, ['read_repository']);
      for (const v of ['0', '2']) {
        const r = await cloneWith('alice/secret', 'anything', token, ['-c', `protocol.version=${v}`]);
        expect(r.code, r.stderr).toBe(0);
      }
    });

    it('an admin sudo-only token cannot clone', async () => {
      const { token } = await gw.createToken(admin, ['sudo']);
      expect((await infoRefs('alice/secret', 'git-upload-pack', basic('x', token))).status).toBe(403);
    });
  });

  describe('push scopes and roles', () => {
    it.each([
      ['write_repository', 0],
      ['api', 0],
      ['read_repository', 128],
      ['read_api', 128],
    ])('a developer with a %s token → exit %i', async (scope, code) => {
      const { token } = await gw.createToken(carol, [scope]);
      const r = await pushWith(priv, 'carol', token);
      expect(r.code, r.stderr).toBe(code);
      if (code !== 0) expect(r.stderr).toMatch(/403|write_repository/);
    });

    it('a reporter cannot push (403 with the reason)', async () => {
      const { token } = await gw.createToken(bob, ['write_repository']);
      const res = await infoRefs('alice/secret', 'git-receive-pack', basic('bob', token));
      expect(res.status).toBe(403);
      expect(await res.text()).toMatch(/not allowed to push/);
      const r = await pushWith(priv, 'bob', token);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/not allowed to push/);
    });

    it('the namespace owner and an administrator can push', async () => {
      for (const user of [alice, admin]) {
        const { token } = await gw.createToken(user, ['write_repository']);
        const r = await pushWith(priv, user.username, token);
        expect(r.code, r.stderr).toBe(0);
      }
    });
  });

  describe('credentials', () => {
    it('refuses an expired token from 00:00 UTC of its expiry date', async () => {
      const start = new Date('2030-03-09T12:00:00Z');
      gw.clock.set(start);
      const { token } = await gw.createToken(alice, ['read_repository'], { expiresAt: '2030-03-10' });
      gw.clock.set('2030-03-09T23:59:59.999Z');
      expect((await infoRefs('alice/secret', 'git-upload-pack', basic('a', token))).status).toBe(200);
      gw.clock.set('2030-03-10T00:00:00.000Z');
      const res = await infoRefs('alice/secret', 'git-upload-pack', basic('a', token));
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="gitgate"');
      gw.clock.set(new Date());
    });

    it('refuses a revoked token on the next request', async () => {
      const { id, token } = await gw.createToken(alice, ['read_repository']);
      expect((await infoRefs('alice/secret', 'git-upload-pack', basic('a', token))).status).toBe(200);
      await gw.system.tokens.revoke({ id: alice.id, username: 'alice', isAdmin: false }, id);
      expect((await infoRefs('alice/secret', 'git-upload-pack', basic('a', token))).status).toBe(401);
    });

    it('refuses malformed and bad-checksum tokens with 401', async () => {
      const { token } = await gw.createToken(alice, ['read_repository']);
      const flipped = token.slice(0, 10) + (token[10] === 'a' ? 'b' : 'a') + token.slice(11);
      for (const bad of ['glpat-short', flipped, `${token}x`, 'glpat-' + '!'.repeat(38)]) {
        const res = await infoRefs('alice/secret', 'git-upload-pack', basic('a', bad));
        expect(res.status, bad).toBe(401);
      }
    });

    it("another user's token cannot see a private project (404, as if missing)", async () => {
      const { token } = await gw.createToken(dave, ['read_repository']);
      const hidden = await infoRefs('alice/secret', 'git-upload-pack', basic('dave', token));
      const missing = await infoRefs('alice/nope', 'git-upload-pack', basic('dave', token));
      expect(hidden.status).toBe(404);
      expect(missing.status).toBe(404);
      expect(await hidden.text()).toBe(await missing.text());
    });

    it("refuses a blocked user's token and password, and admits again when unblocked", async () => {
      const mallory = await gw.createUser('mallory');
      const p = await gw.createProject(mallory, 'own');
      await gw.seedCommit(p);
      const { token } = await gw.createToken(mallory, ['read_repository']);
      expect((await infoRefs('mallory/own', 'git-upload-pack', basic('m', token))).status).toBe(200);
      await gw.system.users.block(mallory.id);
      expect((await infoRefs('mallory/own', 'git-upload-pack', basic('m', token))).status).toBe(401);
      expect((await infoRefs('mallory/own', 'git-upload-pack', basic('mallory', PASSWORD))).status).toBe(401);
      await gw.system.users.unblock(mallory.id);
      expect((await infoRefs('mallory/own', 'git-upload-pack', basic('m', token))).status).toBe(200);
    });

    it('a 2FA user: password refused with the reason, token accepted', async () => {
      const res = await infoRefs('alice/secret', 'git-upload-pack', basic('eve', PASSWORD));
      expect(res.status).toBe(401);
      const body = await res.text();
      expect(body).toMatch(/personal access token/);
      expect(body).toMatch(/You can generate one at http:\/\/\S+\/-\/user_settings\/personal_access_tokens/);
      const r = await cloneWith('alice/secret', 'eve', PASSWORD);
      expect(r.code).not.toBe(0);
      const { token } = await gw.createToken(eve, ['read_repository']);
      expect((await cloneWith('alice/secret', 'eve', token)).code).toBe(0);
    });

    it('a user without 2FA may use the account password', async () => {
      const r = await cloneWith('alice/secret', 'bob', PASSWORD);
      expect(r.code, r.stderr).toBe(0);
      expect((await infoRefs('alice/secret', 'git-upload-pack', basic('bob', 'wrong-password'))).status).toBe(401);
    });
  });

  describe('visibility', () => {
    it('clones a public project anonymously but refuses an anonymous push', async () => {
      expect((await cloneWith('alice/open')).code).toBe(0);
      const res = await infoRefs('alice/open', 'git-receive-pack');
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="gitgate"');
    });

    it('asks anonymous clients of a private or missing project for credentials', async () => {
      for (const repo of ['alice/secret', 'alice/nope', 'alice/inside']) {
        const res = await infoRefs(repo, 'git-upload-pack');
        expect(res.status, repo).toBe(401);
        expect(await res.text()).toMatch(/HTTP Basic: Access denied/);
      }
    });

    it('lets any signed-in user clone an internal project', async () => {
      const { token } = await gw.createToken(dave, ['read_repository']);
      expect((await cloneWith('alice/inside', 'dave', token)).code).toBe(0);
    });
  });

  it('never writes a token or password to the log', async () => {
    const { token } = await gw.createToken(alice, ['read_repository']);
    await cloneWith('alice/secret', 'alice', token);
    await cloneWith('alice/secret', 'bob', PASSWORD);
    await infoRefs('alice/secret', 'git-upload-pack', basic('x', `${token}zz`));
    await gw.system.tokens.flushUsage();
    const all = gw.logs.join('\n');
    expect(all).toContain('"path":"/alice/secret.git/info/refs"');
    expect(all).not.toContain(token);
    expect(all).not.toContain(token.slice(6, 30));
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toContain(Buffer.from(`alice:${token}`).toString('base64'));
  });
});
