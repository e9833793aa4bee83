/**
 * Pushes over SSH count for housekeeping as over HTTP: the SSH edge
 * registers every receive-pack in the same RepositoryPushes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Project } from '../../src/projects/project.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { gitOk, tempDir } from '../support/git-cli.js';
import { generateKey, gitSsh, sshToolsInstalled, sshUrl, type ClientKey } from '../ssh/ssh-client.js';

const ADMIN = { id: 0, username: '(test)', isAdmin: true };

describe.runIf(sshToolsInstalled())('housekeeping after pushes over SSH', () => {
  let gw: Gateway;
  let project: Project;
  let key: ClientKey;
  let work: string;

  beforeAll(async () => {
    gw = await startGateway('sqlite', { ssh: true, env: { GITGATE_HOUSEKEEPING_INCREMENTAL_EVERY: '2', GITGATE_HOUSEKEEPING_FULL_EVERY: '0' } });
    const alice = await gw.createUser('alice');
    project = await gw.createProject(alice, 'over-ssh');
    key = await generateKey('ed25519');
    await gw.system.sshKeys.add(ADMIN, alice.id, { title: 'laptop', key: key.publicKey });
    work = tempDir('gitgate-hk-ssh-');
    await gitOk(['init', '-q', '-b', 'main', work]);
  });
  afterAll(async () => {
    await gw?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('counts them, and the second one runs the incremental repack', async () => {
    const repoPath = fs.realpathSync(gw.repoPath(project));
    for (let i = 1; i <= 2; i++) {
      fs.writeFileSync(path.join(work, `f${i}`), `${i}\n`);
      await gitOk(['-C', work, 'add', '.']);
      await gitOk(['-C', work, 'commit', '-q', '-m', `c${i}`]);
      const pushed = await gitSsh(gw.sshPort!, { key }, ['-C', work, 'push', '-q', sshUrl(gw.sshPort!, 'alice', 'alice/over-ssh.git'), 'HEAD:main']);
      expect(pushed.code, pushed.stderr).toBe(0);
      await gw.system.pushes.idle(repoPath);
      await gw.system.housekeeping.idle();
    }
    expect(await gw.system.housekeeping.state(ADMIN, project.id)).toMatchObject({ pushesSinceFull: 2, lastIncrementalAt: expect.any(Date) });
    expect(fs.readdirSync(path.join(repoPath, 'objects')).filter((d) => /^[0-9a-f]{2}$/.test(d))).toEqual([]);
  });
});
