/**
 * The shared SSH user (`git`, GITGATE_SSH_USER), as GitLab users clone:
 * `git@host:namespace/project.git`. Keys only, the key naming the account;
 * passwords and tokens refused; the shared name wins over an account that
 * has it; per-user names keep working. The real OpenSSH client and git, on
 * every database of the run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ssh2 from 'ssh2';
import { PROJECT_NOT_FOUND } from '../../src/git/git-messages.js';
import { ValidationError } from '../../src/lib/errors.js';
import type { Project } from '../../src/projects/project.js';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { PASSWORD, startGateway, type Gateway } from '../support/gateway.js';
import { gitOk, tempDir } from '../support/git-cli.js';
import { generateKey, gitSsh, ssh, sshUrl, type ClientKey, type SshAuth, sshToolsInstalled } from './ssh-client.js';

const ADMIN = { id: 0, username: '(test)', isAdmin: true };

/** Tries a password for `username` with ssh2's client, which sends it whatever the server offers. */
function passwordAttempt(port: number, username: string, password: string): Promise<'accepted' | 'refused'> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client.on('ready', () => {
      client.end();
      resolve('accepted');
    });
    client.on('error', (err: Error & { level?: string }) => {
      if (err.level === 'client-authentication') resolve('refused');
      else reject(err);
    });
    client.connect({ host: '127.0.0.1', port, username, password, tryKeyboard: false, readyTimeout: 10_000 });
  });
}

describe.runIf(sshToolsInstalled()).each(databaseKinds())('the shared SSH user on %s', (kind) => {
  let base: Gateway;
  let gw: Gateway;
  let port: number;
  let alice: User, carol: User, mallory: User, gitAccount: User;
  let priv: Project;
  let carolKey: ClientKey, malloryKey: ClientKey, gitAccountKey: ClientKey, strayKey: ClientKey;

  beforeAll(async () => {
    // An account named like the shared user can exist from before SSH was on; it is made here, without SSH.
    base = await startGateway(kind);
    gitAccount = await base.createUser('git');
    gw = await startGateway(kind, { shareWith: base, ssh: true });
    port = gw.sshPort!;
    [alice, carol, mallory] = (await Promise.all(['alice', 'carol', 'mallory'].map((name) => gw.createUser(name)))) as [User, User, User];
    priv = await gw.createProject(alice, 'secret');
    await gw.seedCommit(priv);
    await gw.addMember(priv, carol, 'developer');
    await gw.addMember(priv, gitAccount, 'reporter');
    [carolKey, malloryKey, gitAccountKey, strayKey] = await Promise.all([
      generateKey('ed25519'),
      generateKey('ecdsa'),
      generateKey('ed25519'),
      generateKey('ed25519'),
    ]);
    await gw.system.sshKeys.add(ADMIN, carol.id, { title: 'laptop', key: carolKey.publicKey });
    await gw.system.sshKeys.add(ADMIN, mallory.id, { title: 'laptop', key: malloryKey.publicKey });
    await gw.system.sshKeys.add(ADMIN, gitAccount.id, { title: 'laptop', key: gitAccountKey.publicKey });
  });
  afterAll(async () => {
    await gw?.stop();
    await base?.stop();
  });

  const clone = (auth: SshAuth, url = sshUrl(port, 'git', 'alice/secret.git')) => gitSsh(port, auth, ['clone', url, tempDir()]);
  /** Who the server says the connection signed in as (its shell refusal greets by name). */
  const greeting = async (auth: SshAuth, user = 'git') => (await ssh(port, auth, user)).stderr;

  it('clones with a key registered to a member, in the ssh:// and the scp-like form', async () => {
    for (const url of [sshUrl(port, 'git', 'alice/secret.git'), 'git@127.0.0.1:alice/secret.git']) {
      const r = await clone({ key: carolKey }, url);
      expect(r.code, `${url}: ${r.stderr}`).toBe(0);
    }
  });

  it('pushes as the account the key belongs to, with its rights', async () => {
    const dir = tempDir();
    await gitOk(['clone', '-q', gw.repoPath(priv), dir]);
    await gitOk(['-C', dir, 'commit', '-q', '--allow-empty', '-m', 'over the shared user']);
    const branch = `shared-${Date.now()}`;
    const push = (key: ClientKey) => gitSsh(port, { key }, ['-C', dir, 'push', sshUrl(port, 'git', 'alice/secret.git'), `HEAD:refs/heads/${branch}`]);
    const refused = await push(gitAccountKey);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('ERROR: You are not allowed to push code to this project.');
    const accepted = await push(carolKey);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(await gitOk(['--git-dir', gw.repoPath(priv), 'for-each-ref', '--format=%(refname)'])).toContain(`refs/heads/${branch}`);
  });

  it('identifies the account by the key', async () => {
    expect(await greeting({ key: carolKey })).toContain('Hi carol!');
    expect(await greeting({ key: malloryKey })).toContain('Hi mallory!');
    const r = await clone({ key: malloryKey });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`ERROR: ${PROJECT_NOT_FOUND}`);
  });

  it('refuses a key registered to nobody, and a key once it is removed', async () => {
    const stray = await clone({ key: strayKey });
    expect(stray.code).not.toBe(0);
    expect(stray.stderr).toMatch(/Permission denied \(publickey\)/);

    const key = await generateKey('ed25519');
    const added = await gw.system.sshKeys.add(ADMIN, carol.id, { title: 'temporary', key: key.publicKey });
    expect((await clone({ key })).code).toBe(0);
    await gw.system.sshKeys.remove(ADMIN, carol.id, added.id);
    const removed = await clone({ key });
    expect(removed.code).not.toBe(0);
    expect(removed.stderr).toMatch(/Permission denied/);
  });

  it('offers no password prompt and refuses account passwords and tokens, whatever the client sends', async () => {
    const { token } = await gw.createToken(carol, ['read_repository']);
    for (const secret of [PASSWORD, token]) {
      for (const method of ['password', 'keyboard-interactive'] as const) {
        const r = await clone({ secret, method });
        expect(r.code, `${method}`).not.toBe(0);
        expect(r.stderr).toMatch(/Permission denied \(publickey\)/);
      }
      expect(await passwordAttempt(port, 'git', secret)).toBe('refused');
      expect(await passwordAttempt(port, 'GIT', secret)).toBe('refused');
    }
    // The same secrets under carol's own name still work.
    expect(await passwordAttempt(port, 'carol', PASSWORD)).toBe('accepted');
    expect((await clone({ secret: token }, sshUrl(port, 'carol', 'alice/secret.git'))).code).toBe(0);
  });

  describe('an account whose username is the shared name', () => {
    it('reaches SSH with its key only, through the shared user', async () => {
      expect(await greeting({ key: gitAccountKey })).toContain('Hi git!');
      expect((await clone({ key: gitAccountKey })).code).toBe(0);
      // Its password is not taken under the name: the name is the shared user's.
      expect(await passwordAttempt(port, 'git', PASSWORD)).toBe('refused');
      const { token } = await gw.createToken(gitAccount, ['read_repository']);
      expect(await passwordAttempt(port, 'git', token)).toBe('refused');
    });

    it('does not make another key sign in as that account', async () => {
      expect(await greeting({ key: carolKey })).not.toContain('Hi git!');
    });

    it('cannot be created while SSH is on', async () => {
      for (const username of ['git', 'Git']) {
        await expect(gw.system.users.create({ username, password: PASSWORD })).rejects.toThrow(ValidationError);
      }
    });
  });

  it('keeps per-user names working with keys', async () => {
    expect((await clone({ key: carolKey }, sshUrl(port, 'carol', 'alice/secret.git'))).code).toBe(0);
    const r = await clone({ key: carolKey }, sshUrl(port, 'mallory', 'alice/secret.git'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Permission denied/);
  });
});
