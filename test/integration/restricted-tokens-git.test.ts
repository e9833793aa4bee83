/**
 * Restricted tokens over git (issue 16), with the real git client over
 * HTTP and real OpenSSH, on every database of the run: each restriction
 * allows inside and refuses outside; a push that mixes an allowed and a
 * refused ref changes nothing, objects included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Project } from '../../src/projects/project.js';
import type { RestrictionsInput } from '../../src/tokens/restriction-input.js';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { authUrl, git, gitOk, tempDir } from '../support/git-cli.js';
import { gitSsh, sshToolsInstalled, sshUrl } from '../ssh/ssh-client.js';

describe.each(databaseKinds())('restricted tokens over git on %s', (kind) => {
  let gw: Gateway;
  let alice: User, bob: User;
  let site: Project, other: Project, open: Project, bobs: Project;

  beforeAll(async () => {
    gw = await startGateway(kind, { ssh: sshToolsInstalled() });
    [alice, bob] = await Promise.all([gw.createUser('alice'), gw.createUser('bob')]);
    site = await gw.createProject(alice, 'website');
    other = await gw.createProject(alice, 'other');
    open = await gw.createProject(bob, 'open', 'public');
    bobs = await gw.createProject(bob, 'shared');
    await gw.addMember(bobs, alice, 'developer');
    await Promise.all([site, other, open, bobs].map((p) => gw.seedCommit(p)));
  });
  afterAll(() => gw?.stop());

  const token = async (restrictions: RestrictionsInput, scopes = ['write_repository']) =>
    (await gw.createToken(alice, scopes, { restrictions })).token;
  const httpUrl = (p: Project, secret: string) => authUrl(gw.url, `${p.namespace}/${p.path}.git`, 'alice', secret);
  const cloneHttp = (p: Project, secret: string, version = '2') =>
    git(['-c', `protocol.version=${version}`, 'clone', '--bare', httpUrl(p, secret), tempDir()]);

  describe('projects and namespaces', () => {
    it.each(['0', '2'])('a token limited to one project clones it over protocol v%s, and nothing else', async (v) => {
      const t = await token({ projects: ['alice/website'] });
      expect((await cloneHttp(site, t, v)).code).toBe(0);
      for (const p of [other, bobs]) {
        const r = await cloneHttp(p, t, v);
        expect(r.code).not.toBe(0);
        expect(r.stderr).toMatch(/could not be found/);
      }
    });

    it('a public project outside the list looks missing to the token (git itself would clone it anonymously)', async () => {
      const t = await token({ projects: ['alice/website'] });
      const authorization = `Basic ${Buffer.from(`alice:${t}`).toString('base64')}`;
      const refs = (p: Project) => fetch(`${gw.url}/${p.namespace}/${p.path}.git/info/refs?service=git-upload-pack`, { headers: { authorization } });
      expect((await refs(site)).status).toBe(200);
      expect((await refs(open)).status).toBe(404);
      expect((await fetch(`${gw.url}/bob/open.git/info/refs?service=git-upload-pack`)).status).toBe(200);
    });

    it('a project named by id works the same', async () => {
      const t = await token({ projects: [String(other.id)] });
      expect((await cloneHttp(other, t)).code).toBe(0);
      expect((await cloneHttp(site, t)).code).not.toBe(0);
    });

    it('a namespace covers its projects, also ones created after the token', async () => {
      const t = await token({ namespaces: ['Bob'] });
      const later = await gw.createProject(bob, 'later', 'internal');
      await gw.seedCommit(later);
      for (const p of [open, bobs, later]) expect((await cloneHttp(p, t)).code, p.path).toBe(0);
      expect((await cloneHttp(site, t)).code).not.toBe(0);
    });

    it('projects and namespaces together form one allowlist', async () => {
      const t = await token({ projects: ['alice/website'], namespaces: ['bob'] });
      for (const p of [site, open, bobs]) expect((await cloneHttp(p, t)).code, p.path).toBe(0);
      expect((await cloneHttp(other, t)).code).not.toBe(0);
    });

    it("restrictions only narrow: the owner's access still applies", async () => {
      const carol = await gw.createUser('carol');
      const t = (await gw.createToken(carol, ['read_repository'], { restrictions: { namespaces: ['alice'] } })).token;
      const r = await git(['clone', '--bare', authUrl(gw.url, 'alice/website.git', 'carol', t), tempDir()]);
      expect(r.stderr).toMatch(/could not be found/);
    });
  });

  describe('allowed addresses', () => {
    it('a token from an address outside its list is refused with a reason naming the address', async () => {
      const t = await token({ allowedIps: ['10.0.0.0/8', '2001:db8::/32'] });
      const r = await cloneHttp(site, t);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('remote: This token may not be used from 127.0.0.1.');
    });

    it('a token from an address inside its list works', async () => {
      const t = await token({ allowedIps: ['127.0.0.0/8'] });
      expect((await cloneHttp(site, t)).code).toBe(0);
    });
  });

  describe('push rules', () => {
    /** A clone of `site` with one new commit, pushed with `secret`. */
    async function workTree(): Promise<{ dir: string; commit: string }> {
      const dir = tempDir();
      await gitOk(['clone', '-q', gw.repoPath(site), dir]);
      await gitOk(['-C', dir, 'commit', '-q', '--allow-empty', '-m', `change ${Math.random()}`]);
      return { dir, commit: (await gitOk(['-C', dir, 'rev-parse', 'HEAD'])).trim() };
    }
    const serverRefs = async () => (await gitOk(['--git-dir', gw.repoPath(site), 'for-each-ref', '--format=%(refname) %(objectname)'])).trim();
    const serverHas = async (object: string) => (await git(['--git-dir', gw.repoPath(site), 'cat-file', '-e', object])).code === 0;

    it('pushes to a ref matching the patterns, refuses others and says why per ref', async () => {
      const t = await token({ pushRefs: ['refs/heads/bot/*'] });
      const { dir, commit } = await workTree();
      const ok = await git(['-C', dir, 'push', httpUrl(site, t), 'HEAD:refs/heads/bot/one']);
      expect(ok.code, ok.stderr).toBe(0);
      const refused = await git(['-C', dir, 'push', httpUrl(site, t), 'HEAD:refs/heads/bot/deep/two']);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('refs/heads/bot/deep/two: this token may push only to refs/heads/bot/*');
      expect(await serverHas(commit)).toBe(true);
    });

    it('a push mixing an allowed and a refused ref changes nothing and leaves no objects', async () => {
      const t = await token({ pushRefs: ['refs/heads/bot/*'] });
      const { dir, commit } = await workTree();
      const before = await serverRefs();
      const r = await git(['-C', dir, 'push', httpUrl(site, t), 'HEAD:refs/heads/bot/mixed', 'HEAD:refs/heads/main']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('refs/heads/main: this token may push only to refs/heads/bot/*');
      expect(r.stderr).toContain('refs/heads/bot/mixed: not updated, because another ref of this push was refused');
      expect(r.stderr).toContain('! [remote rejected] HEAD -> bot/mixed (another ref of this push was refused)');
      expect(r.stderr).toContain('! [remote rejected] HEAD -> main (this token may push only to refs/heads/bot/*)');
      expect(await serverRefs()).toBe(before);
      expect(await serverHas(commit)).toBe(false);
    });

    it('refuses a force-push when switched off, allows fast-forwards, and allows force when on', async () => {
      const strict = await token({ pushRefs: ['refs/heads/bot/**'], allowForcePush: false });
      const loose = await token({ pushRefs: ['refs/heads/bot/**'] });
      const { dir } = await workTree();
      expect((await git(['-C', dir, 'push', httpUrl(site, strict), 'HEAD:refs/heads/bot/ff'])).code).toBe(0);
      await gitOk(['-C', dir, 'commit', '-q', '--allow-empty', '-m', 'forward']);
      expect((await git(['-C', dir, 'push', httpUrl(site, strict), 'HEAD:refs/heads/bot/ff'])).code).toBe(0);
      await gitOk(['-C', dir, 'reset', '-q', '--hard', 'HEAD~2']);
      await gitOk(['-C', dir, 'commit', '-q', '--allow-empty', '-m', 'rewritten']);
      const refused = await git(['-C', dir, 'push', '--force', httpUrl(site, strict), 'HEAD:refs/heads/bot/ff']);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('refs/heads/bot/ff: this token may not force-push (non-fast-forward update)');
      expect(refused.stderr).toContain('! [remote rejected] HEAD -> bot/ff (this token may not force-push (non-fast-forward update))');
      const forced = await git(['-C', dir, 'push', '--force', httpUrl(site, loose), 'HEAD:refs/heads/bot/ff']);
      expect(forced.code, forced.stderr).toBe(0);
    });

    it('refuses deleting a ref when switched off and allows it when on', async () => {
      const strict = await token({ allowRefDeletion: false });
      const loose = await token({ pushRefs: ['refs/heads/**'] });
      const { dir } = await workTree();
      expect((await git(['-C', dir, 'push', httpUrl(site, strict), 'HEAD:refs/heads/doomed'])).code).toBe(0);
      const refused = await git(['-C', dir, 'push', httpUrl(site, strict), ':refs/heads/doomed']);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('refs/heads/doomed: this token may not delete refs');
      expect(refused.stderr).toContain('! [remote rejected] doomed (this token may not delete refs)');
      expect(await serverRefs()).toContain('refs/heads/doomed');
      const deleted = await git(['-C', dir, 'push', httpUrl(site, loose), ':refs/heads/doomed']);
      expect(deleted.code, deleted.stderr).toBe(0);
      expect(await serverRefs()).not.toContain('refs/heads/doomed');
    });

    it("still runs the repository's own hooks", async () => {
      const hooks = `${gw.repoPath(site)}/hooks`;
      await gitOk(['--git-dir', gw.repoPath(site), 'config', 'core.logAllRefUpdates', 'false']);
      const fs = await import('node:fs');
      fs.writeFileSync(`${hooks}/pre-receive`, '#!/bin/sh\necho "own hook ran" >&2\ncat >/dev/null\n', { mode: 0o755 });
      try {
        const t = await token({ pushRefs: ['refs/heads/bot/*'] });
        const { dir } = await workTree();
        const r = await git(['-C', dir, 'push', httpUrl(site, t), 'HEAD:refs/heads/bot/hooked']);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).toContain('remote: own hook ran');
      } finally {
        fs.rmSync(`${hooks}/pre-receive`);
      }
    });
  });

  describe.runIf(sshToolsInstalled())('over SSH', () => {
    const sshClone = (p: Project, secret: string) =>
      gitSsh(gw.sshPort!, { secret, method: 'password,keyboard-interactive', logLevel: 'INFO' }, ['clone', '--bare', sshUrl(gw.sshPort!, 'alice', `${p.namespace}/${p.path}.git`), tempDir()]);

    it('a token limited to one project clones it and finds nothing else', async () => {
      const t = await token({ projects: [site.id] });
      expect((await sshClone(site, t)).code).toBe(0);
      const r = await sshClone(other, t);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/could not be found/);
    });

    it('a token from an address outside its list is told why', async () => {
      const t = await token({ allowedIps: ['192.0.2.0/24'] });
      const r = await sshClone(site, t);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('This token may not be used from 127.0.0.1.');
    });

    it('push rules hold over SSH: a mixed push changes nothing', async () => {
      const t = await token({ pushRefs: ['refs/heads/bot/*'] });
      const dir = tempDir();
      await gitOk(['clone', '-q', gw.repoPath(site), dir]);
      await gitOk(['-C', dir, 'commit', '-q', '--allow-empty', '-m', 'over ssh']);
      const url = sshUrl(gw.sshPort!, 'alice', 'alice/website.git');
      const auth = { secret: t, method: 'password' as const };
      const mixed = await gitSsh(gw.sshPort!, auth, ['-C', dir, 'push', url, 'HEAD:refs/heads/bot/ssh-mixed', 'HEAD:refs/heads/main']);
      expect(mixed.code).not.toBe(0);
      expect(mixed.stderr).toContain('refs/heads/main: this token may push only to refs/heads/bot/*');
      expect(mixed.stderr).toContain('! [remote rejected] HEAD -> main (this token may push only to refs/heads/bot/*)');
      const ok = await gitSsh(gw.sshPort!, auth, ['-C', dir, 'push', url, 'HEAD:refs/heads/bot/ssh-ok']);
      expect(ok.code, ok.stderr).toBe(0);
      const refs = await gitOk(['--git-dir', gw.repoPath(site), 'for-each-ref', '--format=%(refname)']);
      expect(refs).toContain('refs/heads/bot/ssh-ok');
      expect(refs).not.toContain('refs/heads/bot/ssh-mixed');
    });
  });
});
