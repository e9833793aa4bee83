/**
 * Git over SSH end to end with the real OpenSSH client: registered keys,
 * tokens and passwords typed at the prompt (sshpass), the same
 * authorization as over HTTP, on every database of the run.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_NOT_FOUND } from '../../src/git/git-messages.js';
import type { Project } from '../../src/projects/project.js';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { PASSWORD, startGateway, type Gateway } from '../support/gateway.js';
import { gitOk, tempDir } from '../support/git-cli.js';
import { generateKey, gitSsh, ssh, sshUrl, type ClientKey, type SshAuth, sshToolsInstalled } from './ssh-client.js';

const ADMIN = { id: 0, username: '(test)', isAdmin: true };

describe.runIf(sshToolsInstalled()).each(databaseKinds())('git over SSH on %s', (kind) => {
  let gw: Gateway;
  let port: number;
  let alice: User, bob: User, carol: User, eve: User, mallory: User;
  let priv: Project;
  let carolKey: ClientKey, malloryKey: ClientKey;

  beforeAll(async () => {
    gw = await startGateway(kind, { ssh: true });
    port = gw.sshPort!;
    [alice, bob, carol, eve, mallory] = await Promise.all(
      ['alice', 'bob', 'carol', 'eve', 'mallory'].map((name) => gw.createUser(name)),
    ) as [User, User, User, User, User];
    priv = await gw.createProject(alice, 'secret');
    await gw.seedCommit(priv);
    await gw.addMember(priv, bob, 'reporter');
    await gw.addMember(priv, carol, 'developer');
    await gw.addMember(priv, eve, 'developer');
    await gw.system.twoFactor.enableNow(eve);
    [carolKey, malloryKey] = await Promise.all([generateKey('ed25519'), generateKey('ecdsa')]);
    await gw.system.sshKeys.add(ADMIN, carol.id, { title: 'laptop', key: carolKey.publicKey });
    await gw.system.sshKeys.add(ADMIN, mallory.id, { title: 'laptop', key: malloryKey.publicKey });
  });
  afterAll(() => gw?.stop());

  const clone = (user: string, auth: SshAuth, repo = 'alice/secret.git', extra: string[] = []) =>
    gitSsh(port, auth, ['clone', ...extra, sshUrl(port, user, repo), tempDir()]);

  async function pushWith(user: string, auth: SshAuth, branch = `topic-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`) {
    const dir = tempDir();
    await gitOk(['clone', '-q', gw.repoPath(priv), dir]);
    await gitOk(['-C', dir, 'commit', '-q', '--allow-empty', '-m', 'over ssh']);
    const r = await gitSsh(port, auth, ['-C', dir, 'push', sshUrl(port, user, 'alice/secret.git'), `HEAD:refs/heads/${branch}`]);
    return { ...r, branch };
  }
  const serverHas = async (branch: string) =>
    (await gitOk(['--git-dir', gw.repoPath(priv), 'for-each-ref', '--format=%(refname)'])).includes(`refs/heads/${branch}`);

  describe('with a registered key', () => {
    it.each(['0', '2'])('clones and pushes over protocol v%s', async (version) => {
      const trace = { GIT_TRACE_PACKET: '1' };
      const dir = tempDir();
      const r = await gitSsh(port, { key: carolKey }, ['-c', `protocol.version=${version}`, 'clone', sshUrl(port, 'carol', 'alice/secret.git'), dir], { env: trace });
      expect(r.code, r.stderr).toBe(0);
      expect(fs.readFileSync(`${dir}/README.md`, 'utf8')).toBe('# secret\n');
      // The server answered in the protocol the client asked for.
      expect(r.stderr.includes('< version 2'), r.stderr.slice(0, 2000)).toBe(version === '2');

      await gitOk(['-C', dir, 'commit', '-q', '--allow-empty', '-m', `v${version}`]);
      const branch = `v${version}-${Date.now()}`;
      const push = await gitSsh(port, { key: carolKey }, ['-c', `protocol.version=${version}`, '-C', dir, 'push', 'origin', `HEAD:refs/heads/${branch}`]);
      expect(push.code, push.stderr).toBe(0);
      expect(await serverHas(branch)).toBe(true);
    });

    it('accepts the scp-like, ~ and .git-less forms of the path', async () => {
      for (const url of [`carol@127.0.0.1:alice/secret.git`, `carol@127.0.0.1:/alice/secret`, sshUrl(port, 'carol', '~/alice/secret.git')]) {
        const r = await gitSsh(port, { key: carolKey }, ['ls-remote', url]);
        expect(r.code, `${url}: ${r.stderr}`).toBe(0);
        expect(r.stdout).toMatch(/refs\/heads\/main/);
      }
    });

    it('serves git archive --remote (git-upload-archive)', async () => {
      const r = await gitSsh(port, { key: carolKey }, ['archive', '--format=tar', `--remote=${sshUrl(port, 'carol', 'alice/secret.git')}`, 'HEAD', 'README.md']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('# secret');
    });
  });

  describe('authorization as over HTTP', () => {
    it('a non-member gets the same "not found" as a missing repository', async () => {
      const hidden = await clone('mallory', { key: malloryKey });
      const missing = await clone('mallory', { key: malloryKey }, 'alice/nothing-here.git');
      for (const r of [hidden, missing]) {
        expect(r.code).not.toBe(0);
        expect(r.stderr).toContain(`ERROR: ${PROJECT_NOT_FOUND}`);
      }
      const answer = (stderr: string) => stderr.replace(/^Cloning into .*\n/, '');
      expect(answer(hidden.stderr)).toBe(answer(missing.stderr));
    });

    it('a reporter cannot push (GitLab\'s message)', async () => {
      const { token } = await gw.createToken(bob, ['write_repository']);
      const r = await pushWith('bob', { secret: token });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('ERROR: You are not allowed to push code to this project.');
      expect(await serverHas(r.branch)).toBe(false);
    });
  });

  describe('with a token as the password', () => {
    it('clones with a read_repository token, by password and keyboard-interactive', async () => {
      const { token } = await gw.createToken(bob, ['read_repository']);
      for (const method of ['password', 'keyboard-interactive'] as const) {
        const r = await clone('bob', { secret: token, method });
        expect(r.code, `${method}: ${r.stderr}`).toBe(0);
      }
    });

    it('push is refused with read_repository and accepted with write_repository', async () => {
      const read = await gw.createToken(carol, ['read_repository']);
      const refused = await pushWith('carol', { secret: read.token });
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('ERROR: You are not allowed to upload code.');
      expect(refused.stderr).toMatch(/write_repository/);
      expect(await serverHas(refused.branch)).toBe(false);

      const write = await gw.createToken(carol, ['write_repository']);
      const accepted = await pushWith('carol', { secret: write.token });
      expect(accepted.code, accepted.stderr).toBe(0);
      expect(await serverHas(accepted.branch)).toBe(true);
    });

    it('refuses a token whose scopes do not cover git', async () => {
      const { token } = await gw.createToken(carol, ['read_user']);
      const r = await clone('carol', { secret: token });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('ERROR: You are not allowed to download code.');
    });

    it('refuses a token presented with another username', async () => {
      const { token } = await gw.createToken(carol, ['read_repository']);
      const r = await clone('bob', { secret: token });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/Permission denied/);
    });

    it('refuses expired and revoked tokens', async () => {
      const tomorrow = new Date(gw.clock.now().getTime() + 86_400_000).toISOString().slice(0, 10);
      const expiring = await gw.createToken(bob, ['read_repository'], { expiresAt: tomorrow });
      expect((await clone('bob', { secret: expiring.token })).code).toBe(0);
      const now = gw.clock.now();
      gw.clock.set(`${tomorrow}T00:00:00Z`);
      try {
        const r = await clone('bob', { secret: expiring.token });
        expect(r.code).not.toBe(0);
        expect(r.stderr).toMatch(/Permission denied/);
      } finally {
        gw.clock.set(now);
      }

      const revoked = await gw.createToken(bob, ['read_repository']);
      expect((await clone('bob', { secret: revoked.token })).code).toBe(0);
      await gw.system.tokens.revoke(ADMIN, revoked.id);
      const r = await clone('bob', { secret: revoked.token });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/Permission denied/);
    });

    it('re-checks the token at each command of a connection kept open (ControlMaster)', async () => {
      const { id, token } = await gw.createToken(bob, ['read_repository']);
      const control = ['-o', 'ControlMaster=auto', '-o', `ControlPath=${tempDir('gitgate-mux-')}/%C`, '-o', 'ControlPersist=30'];
      const lsRemote = () => gitSsh(port, { secret: token }, ['ls-remote', sshUrl(port, 'bob', 'alice/secret.git')], { sshOptions: control });
      try {
        expect((await lsRemote()).code).toBe(0);
        await gw.system.tokens.revoke(ADMIN, id);
        const r = await lsRemote();
        expect(r.code).not.toBe(0);
        expect(r.stderr).toContain('ERROR: Access denied: the token or key this connection signed in with is no longer valid.');
      } finally {
        await ssh(port, { secret: token }, 'bob', [], undefined, [...control, '-O', 'exit']);
      }
    });

    it('ends a connection signed in with the account password once that password changes (ControlMaster)', async () => {
      const pat = await gw.createUser('pat');
      await gw.addMember(priv, pat, 'reporter');
      const control = ['-o', 'ControlMaster=auto', '-o', `ControlPath=${tempDir('gitgate-mux-')}/%C`, '-o', 'ControlPersist=30'];
      const lsRemote = () => gitSsh(port, { secret: PASSWORD }, ['ls-remote', sshUrl(port, 'pat', 'alice/secret.git')], { sshOptions: control });
      try {
        expect((await lsRemote()).code).toBe(0);
        await gw.system.users.setPassword(pat.id, 'a-different-password');
        const r = await lsRemote();
        expect(r.code).not.toBe(0);
        expect(r.stderr).toContain('ERROR: Access denied');
      } finally {
        await ssh(port, { secret: PASSWORD }, 'pat', [], undefined, [...control, '-O', 'exit']);
      }
    });

    it("refuses a 2FA user's account password and accepts their token", async () => {
      const refused = await clone('eve', { secret: PASSWORD });
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/Permission denied/);
      const { token } = await gw.createToken(eve, ['read_repository']);
      const accepted = await clone('eve', { secret: token });
      expect(accepted.code, accepted.stderr).toBe(0);
    });

    describe("tells a 2FA user who typed the right password to use a token, and nobody else", () => {
      const NOTICE = "You must use a personal access token with 'read_repository' or 'write_repository' scope for Git over SSH.";

      it('at the keyboard-interactive prompt (what OpenSSH tries before password)', async () => {
        const r = await clone('eve', { secret: PASSWORD, method: 'keyboard-interactive', logLevel: 'INFO' });
        expect(r.code).not.toBe(0);
        expect(r.stderr).toContain(NOTICE);
        expect(r.stderr).toMatch(/Permission denied/);
      });

      it('after a password attempt, at the keyboard-interactive prompt that follows', async () => {
        const r = await clone('eve', { secret: PASSWORD, method: 'password,keyboard-interactive', logLevel: 'INFO' });
        expect(r.code).not.toBe(0);
        expect(r.stderr).toContain(NOTICE);
      });

      it.each([
        ['a wrong password of the 2FA user', 'eve', 'wrong-password'],
        ['a wrong password of another user', 'bob', 'wrong-password'],
        ['an unknown user', 'nobody', PASSWORD],
      ])('not for %s', async (_what, user, secret) => {
        for (const method of ['keyboard-interactive', 'password,keyboard-interactive'] as const) {
          const r = await clone(user, { secret, method, logLevel: 'INFO' });
          expect(r.code).not.toBe(0);
          expect(r.stderr).not.toContain('personal access token');
        }
      });
    });

    it('accepts the account password of a user without 2FA', async () => {
      const r = await clone('bob', { secret: PASSWORD });
      expect(r.code, r.stderr).toBe(0);
    });
  });

  describe('keys come and go', () => {
    it('a removed key stops working for the next connection', async () => {
      const key = await generateKey('rsa', 3072);
      const added = await gw.system.sshKeys.add(ADMIN, bob.id, { title: 'temporary', key: key.publicKey });
      expect((await clone('bob', { key })).code).toBe(0);
      expect((await gw.system.sshKeys.list(bob.id)).keys[0]?.lastUsedAt).not.toBeNull();
      await gw.system.sshKeys.remove(ADMIN, bob.id, added.id);
      const r = await clone('bob', { key });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/Permission denied/);
    });

    it("a key signs in only as its owner's username", async () => {
      const r = await clone('alice', { key: carolKey });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/Permission denied/);
    });
  });
});
