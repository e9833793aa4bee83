/**
 * Git over SSH shares the bounds on concurrent git operations with HTTP: a
 * command beyond its address's share is refused with one `ERROR:` line and
 * a non-zero exit status, and operations over either surface count together.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RETRY_AFTER_SECONDS } from '../../src/git/git-operations.js';
import type { User } from '../../src/users/user.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { authUrl, git, gitOk, tempDir } from '../support/git-cli.js';
import { generateKey, spawnSsh, ssh, sshToolsInstalled, type ClientKey } from './ssh-client.js';

const ADMIN = { id: 0, username: '(test)', isAdmin: true };
const LIMIT_LINE = 'ERROR: Too many git operations from your address at once (the limit is 1); try again later.';

/** Resolves once `child` wrote its first stdout bytes (git's ref advertisement: git runs). */
function advertised(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', () => reject(new Error('ssh ended before git answered')));
  });
}

describe.runIf(sshToolsInstalled())('git operation limits over SSH', () => {
  let gw: Gateway;
  let alice: User;
  let key: ClientKey;

  beforeAll(async () => {
    gw = await startGateway('sqlite', { ssh: true, env: { GITGATE_GIT_MAX_OPERATIONS_PER_ADDRESS: '1' } });
    alice = await gw.createUser('alice');
    await gw.seedCommit(await gw.createProject(alice, 'demo'));
    key = await generateKey();
    await gw.system.sshKeys.add(ADMIN, alice.id, { title: 'k', key: key.publicKey });
  });
  afterAll(() => gw?.stop());

  it('refuses a command beyond the address limit with an ERROR line, counting HTTP and SSH together', async () => {
    const holder = spawnSsh(gw.sshPort!, { key }, 'alice', "git-upload-pack 'alice/demo.git'");
    await advertised(holder);
    expect(gw.server.operations.activeFrom('127.0.0.1')).toBe(1);

    const refused = await ssh(gw.sshPort!, { key }, 'alice', ["git-upload-pack 'alice/demo.git'"], '0000');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.split('\n').filter((l) => l.startsWith('ERROR: '))).toEqual([LIMIT_LINE]);

    // The SSH operation holds the address's share over HTTP too.
    const { token } = await gw.createToken(alice, ['write_repository']);
    const work = tempDir();
    await gitOk(['clone', '-q', gw.repoPath((await gw.system.projects.findByPath('alice', 'demo'))!), work]);
    await gitOk(['-C', work, 'commit', '-q', '--allow-empty', '-m', 'more']);
    const pushed = await git(['-C', work, 'push', authUrl(gw.url, 'alice/demo.git', 'alice', token), 'HEAD:main']);
    expect(pushed.code).not.toBe(0);
    expect(pushed.stderr).toContain(`remote: ${LIMIT_LINE.slice('ERROR: '.length)}`);
    const res = await fetch(`${gw.url}/alice/demo.git/info/refs?service=git-receive-pack`, {
      headers: { authorization: `Basic ${Buffer.from(`alice:${token}`).toString('base64')}` },
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe(String(RETRY_AFTER_SECONDS));

    holder.stdin!.end('0000');
    await new Promise((resolve) => holder.once('exit', resolve));
    await vi.waitFor(() => expect(gw.server.operations.active).toBe(0), { timeout: 5000, interval: 20 });
    const served = await ssh(gw.sshPort!, { key }, 'alice', ["git-upload-pack 'alice/demo.git'"], '0000');
    expect(served.code, served.stderr).toBe(0);
    expect(served.stdout).toMatch(/refs\/heads\/main/);
  });
});
