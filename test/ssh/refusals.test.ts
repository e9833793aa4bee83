/**
 * Everything but a git command is refused: shells, other commands,
 * subsystems (sftp), port forwarding, malformed or traversing paths — each
 * with one line on stderr and a non-zero exit status. GIT_PROTOCOL is taken
 * from the env request only when it is well-formed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_NOT_FOUND } from '../../src/git/git-messages.js';
import type { Project } from '../../src/projects/project.js';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { generateKey, sftp, ssh, type ClientKey, sshToolsInstalled } from './ssh-client.js';

const ADMIN = { id: 0, username: '(test)', isAdmin: true };
const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('ERROR: '));

describe.runIf(sshToolsInstalled()).each(databaseKinds())('SSH refusals on %s', (kind) => {
  let gw: Gateway;
  let port: number;
  let alice: User;
  let key: ClientKey;
  let project: Project;

  beforeAll(async () => {
    gw = await startGateway(kind, { ssh: true });
    port = gw.sshPort!;
    alice = await gw.createUser('alice');
    project = await gw.createProject(alice, 'demo');
    await gw.seedCommit(project);
    key = await generateKey();
    await gw.system.sshKeys.add(ADMIN, alice.id, { title: 'k', key: key.publicKey });
  });
  afterAll(() => gw?.stop());

  it('refuses a shell with one line and a non-zero status', async () => {
    const r = await ssh(port, { key }, 'alice');
    expect(r.code).not.toBe(0);
    expect(errorLines(r.stderr)).toEqual([
      "ERROR: Hi alice! You've successfully authenticated, but gitgate does not provide shell access.",
    ]);
  });

  it('refuses other commands (`ssh host ls`, a shell injection attempt)', async () => {
    for (const command of [['ls'], ['ls', '-la', '/'], ["git-upload-pack 'alice/demo.git'; cat /etc/passwd"]]) {
      const r = await ssh(port, { key }, 'alice', command);
      expect(r.code, command.join(' ')).toBe(128);
      expect(r.stdout).toBe('');
      expect(errorLines(r.stderr)).toHaveLength(1);
    }
    expect(errorLines((await ssh(port, { key }, 'alice', ['ls'])).stderr)).toEqual(['ERROR: Unknown command: ls']);
  });

  it('refuses the sftp subsystem', async () => {
    const r = await sftp(port, key, 'alice');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('ERROR: The sftp subsystem is not available; gitgate only serves git commands.');
  });

  it('refuses port forwarding', async () => {
    const local = await ssh(port, { key }, 'alice', [], '', ['-W', '127.0.0.1:9']);
    expect(local.code).not.toBe(0);
    expect(local.stderr).toMatch(/forwarding failed/);
    const remote = await ssh(port, { key }, 'alice', ['ls'], '', ['-o', 'ExitOnForwardFailure=yes', '-R', '0:127.0.0.1:9']);
    expect(remote.code).not.toBe(0);
    expect(remote.stderr).toMatch(/remote port forwarding failed/);
  });

  it.each([
    "git-upload-pack 'alice/../alice/demo.git'",
    "git-upload-pack '../alice/demo.git'",
    "git-upload-pack '/alice/demo.git/..'",
    "git-upload-pack 'alice/demo.git/../../etc'",
    "git-receive-pack '/etc/passwd'",
    "git-upload-pack 'alice//demo.git'",
    "git-upload-pack '/alice/demo.git' extra",
  ])('refuses %s like a missing project', async (command) => {
    const r = await ssh(port, { key }, 'alice', [command], '0000');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(errorLines(r.stderr)).toEqual([`ERROR: ${PROJECT_NOT_FOUND}`]);
  });

  it('refuses SHA-1 RSA signatures and accepts rsa-sha2 ones from the same key', async () => {
    const rsa = await generateKey('rsa', 3072);
    await gw.system.sshKeys.add(ADMIN, alice.id, { title: 'rsa', key: rsa.publicKey });
    const sha1 = await ssh(port, { key: rsa }, 'alice', ['ls'], '', ['-o', 'PubkeyAcceptedAlgorithms=ssh-rsa']);
    expect(sha1.code).toBe(255);
    expect(sha1.stderr).toMatch(/Permission denied/);
    const sha2 = await ssh(port, { key: rsa }, 'alice', ['ls'], '', ['-o', 'PubkeyAcceptedAlgorithms=rsa-sha2-256']);
    expect(sha2.stderr).toContain('ERROR: Unknown command: ls');
  });

  it('takes a well-formed GIT_PROTOCOL and ignores a malformed one', async () => {
    const advertise = (value: string) =>
      ssh(port, { key }, 'alice', ["git-upload-pack 'alice/demo.git'"], '0000', ['-o', `SetEnv=GIT_PROTOCOL=${value}`]);
    expect((await advertise('version=2')).stdout).toMatch(/^000eversion 2\n/);
    const ignored = await advertise('version=2;touch');
    expect(ignored.stdout).not.toMatch(/version 2/);
    expect(ignored.stdout).toMatch(/refs\/heads\/main/);
  });
});
