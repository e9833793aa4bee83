/**
 * The SSH connection's life: git dies with the channel, concurrent
 * connections per address are bounded, idle and unauthenticated connections
 * are cut, failures feed the IP ban, host keys persist across restarts.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Project } from '../../src/projects/project.js';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { gitOk, tempDir } from '../support/git-cli.js';
import { pkt, processesLeftUnder, processesUnder } from '../git-edge/harness.js';
import { generateKey, ssh, spawnSsh, type ClientKey, sshToolsInstalled } from './ssh-client.js';

const ADMIN = { id: 0, username: '(test)', isAdmin: true };

/** Resolves with everything `child` wrote once `done(output)` holds, then stops reading. */
function readUntil(child: ChildProcess, done: (output: Buffer) => boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let output = Buffer.alloc(0);
    const onClose = (): void => reject(new Error(`ssh ended early: ${output.toString('latin1').slice(0, 200)}`));
    const onData = (chunk: Buffer): void => {
      output = Buffer.concat([output, chunk]);
      if (!done(output)) return;
      child.stdout!.off('data', onData);
      child.stdout!.pause();
      child.off('exit', onClose);
      resolve(output);
    };
    child.stdout!.on('data', onData);
    child.stdout!.resume();
    child.once('exit', onClose);
  });
}

/** True once `out` holds a complete pkt-line section ending in a flush packet. */
function endsSection(out: Buffer): boolean {
  let at = 0;
  while (at + 4 <= out.length) {
    const length = parseInt(out.subarray(at, at + 4).toString('latin1'), 16);
    if (length === 0) return true;
    at += length;
  }
  return false;
}

/** Waits for the ref advertisement of `git-upload-pack` (protocol v0) and returns the first ref's id. */
async function advertisedHead(child: ChildProcess): Promise<string> {
  const ad = await readUntil(child, endsSection);
  return ad.subarray(4, 44).toString('latin1');
}

/** Resolves when `child` has exited (its output discarded). */
function exited(child: ChildProcess): Promise<void> {
  child.stdout?.resume();
  child.stderr?.resume();
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

describe.runIf(sshToolsInstalled()).each(databaseKinds())('SSH connections on %s', (kind) => {
  let gw: Gateway;
  let port: number;
  let alice: User;
  let key: ClientKey;
  let big: Project;

  beforeAll(async () => {
    gw = await startGateway(kind, { ssh: true, env: { GITGATE_SSH_MAX_SESSIONS_PER_IP: '2' } });
    port = gw.sshPort!;
    alice = await gw.createUser('alice');
    big = await gw.createProject(alice, 'big');
    const work = tempDir();
    await gitOk(['clone', '-q', gw.repoPath(big), work]);
    fs.writeFileSync(path.join(work, 'blob.bin'), randomBytes(12 * 1024 * 1024));
    await gitOk(['-C', work, 'add', '.']);
    await gitOk(['-C', work, 'commit', '-q', '-m', 'big']);
    await gitOk(['-C', work, 'push', '-q', gw.repoPath(big), 'HEAD:refs/heads/main']);
    key = await generateKey();
    await gw.system.sshKeys.add(ADMIN, alice.id, { title: 'k', key: key.publicKey });
  });
  afterAll(() => gw?.stop());

  it('killing the client mid-clone leaves no git process behind', async () => {
    const client = spawnSsh(port, { key }, 'alice', "git-upload-pack '/alice/big.git'");
    const head = await advertisedHead(client);
    client.stdin!.write(`${pkt(`want ${head}\n`)}0000${pkt('done\n')}`);
    // The pack has started; not reading the rest fills the SSH window, so git blocks mid-transfer.
    await readUntil(client, (out) => out.includes('PACK'));
    expect(processesUnder(gw.repoPath(big)).length).toBeGreaterThan(0);

    client.kill('SIGKILL');
    await exited(client);
    await gw.server.operations.idle();
    expect(await processesLeftUnder(gw.repoPath(big))).toEqual([]);
  });

  it('limits concurrent connections per address', async () => {
    const held = [0, 1].map(() => spawnSsh(port, { key }, 'alice', "git-upload-pack 'alice/big.git'"));
    await Promise.all(held.map(advertisedHead));
    const third = await ssh(port, { key }, 'alice', ['ls']);
    expect(third.code).toBe(255);
    expect(third.stderr).not.toContain('ERROR:');

    held[0]!.stdin!.end('0000');
    await exited(held[0]!);
    // ssh exits on the channel's close; the server frees the slot when the TCP socket closes, a moment later.
    await vi.waitFor(() => expect(gw.server.ssh!.connectionsFrom('127.0.0.1')).toBe(1), { timeout: 5000, interval: 20 });
    const next = await ssh(port, { key }, 'alice', ['ls']);
    expect(next.stderr).toContain('ERROR: Unknown command: ls');
    held[1]!.stdin!.end('0000');
    await exited(held[1]!);
  });

  it('keeps its host keys (mode 0600) across restarts', async () => {
    const dir = path.join(gw.dataDir, 'ssh');
    for (const file of ['ssh_host_ed25519_key', 'ssh_host_rsa_key']) {
      expect(fs.statSync(path.join(dir, file)).mode & 0o777).toBe(0o600);
    }
    const again = await startGateway(kind, { shareWith: gw });
    try {
      expect(again.server.ssh!.hostKeys.map((k) => k.fingerprint)).toEqual(gw.server.ssh!.hostKeys.map((k) => k.fingerprint));
      // What a client records in known_hosts is the same on the restarted instance.
      const seen = await ssh(again.sshPort!, { key }, 'alice', ['ls'], '', ['-o', 'HostKeyAlgorithms=ssh-ed25519', '-v']);
      const pub = fs.readFileSync(path.join(dir, 'ssh_host_ed25519_key.pub'), 'utf8');
      expect(seen.stderr).toContain(`Server host key: ssh-ed25519 ${again.server.ssh!.hostKeys[0]!.fingerprint}`);
      expect(pub.startsWith('ssh-ed25519 ')).toBe(true);
    } finally {
      await again.server.stop();
    }
  });
});

describe.runIf(sshToolsInstalled()).each(databaseKinds())('SSH timeouts and bans on %s', (kind) => {
  let gw: Gateway;
  let port: number;
  let alice: User;
  let key: ClientKey;

  beforeAll(async () => {
    gw = await startGateway(kind, {
      ssh: true,
      env: {
        GITGATE_SSH_IDLE_TIMEOUT_SECONDS: '1',
        GITGATE_SSH_LOGIN_GRACE_SECONDS: '1',
        GITGATE_AUTH_BAN_MAX_RETRY: '3',
        GITGATE_AUTH_BAN_ALLOWLIST: '192.0.2.1',
      },
    });
    port = gw.sshPort!;
    alice = await gw.createUser('alice');
    await gw.seedCommit(await gw.createProject(alice, 'demo'));
    key = await generateKey();
    await gw.system.sshKeys.add(ADMIN, alice.id, { title: 'k', key: key.publicKey });
  });
  afterAll(() => gw?.stop());

  it('cuts a connection that stays idle, and git with it', async () => {
    const client = spawnSsh(port, { key }, 'alice', "git-upload-pack 'alice/demo.git'");
    await advertisedHead(client);
    client.stdout!.resume();
    await exited(client);
    expect(client.exitCode).not.toBe(0);
    await gw.server.operations.idle();
    expect(await processesLeftUnder(gw.repoPath((await gw.system.projects.findByPath('alice', 'demo'))!))).toEqual([]);
  });

  it('cuts a connection that does not authenticate within the grace time', async () => {
    const socket = net.connect(port, '127.0.0.1');
    socket.resume();
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  });

  it('counts failed SSH authentications toward the IP ban', async () => {
    const { token } = await gw.createToken(alice, ['read_repository']);
    for (let i = 0; i < 3; i++) {
      const r = await ssh(port, { secret: 'wrong-password' }, 'alice', ['ls']);
      expect(r.code).not.toBe(0);
    }
    const banned = await ssh(port, { secret: token }, 'alice', ['ls']);
    expect(banned.code).toBe(255);
    expect(banned.stderr).not.toContain('Unknown command');
    // The ban is the same one HTTP applies.
    const res = await fetch(`${gw.url}/alice/demo.git/info/refs?service=git-upload-pack`, {
      headers: { authorization: `Basic ${Buffer.from(`alice:${token}`).toString('base64')}` },
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/Too many failed authentication attempts/);
  });
});
