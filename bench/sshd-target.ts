/**
 * Plain OpenSSH `sshd` (Debian's openssh-server) on a loopback port, with
 * its own configuration, host key and authorized_keys in a directory of
 * the run, as the current user: the client's `git-upload-pack '<path>'`
 * runs through the user's shell on the very repositories gitgate serves.
 * Started and stopped by its pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runChecked } from './run-command.js';
import { freePort } from './nginx-target.js';
import { stopChild } from './gateway-target.js';

export const SSHD = '/usr/sbin/sshd';

/** A running sshd. */
export interface SshdTarget {
  port: number;
  pid: number;
  user: string;
  /** The sshd_config it runs with (copied into the results). */
  config: string;
  stop(): Promise<void>;
}

/**
 * Starts `sshd -D -e -f <config>` under `runDir` accepting `publicKey` for
 * the current user; resolves once it accepts TCP connections.
 */
export async function startSshd(runDir: string, publicKey: string): Promise<SshdTarget> {
  const dir = path.join(runDir, 'sshd');
  fs.mkdirSync(dir, { recursive: true });
  const hostKey = path.join(dir, 'ssh_host_ed25519_key');
  await runChecked('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  fs.writeFileSync(path.join(dir, 'authorized_keys'), `${publicKey}\n`, { mode: 0o600 });
  // As root, sshd needs its privilege separation directory (systemd's RuntimeDirectory in the package).
  if (process.getuid?.() === 0) fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const port = await freePort();
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${hostKey}`,
    `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
    `PidFile ${path.join(dir, 'sshd.pid')}`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
    'PermitRootLogin prohibit-password',
    'PrintMotd no',
    'UseDNS no',
    'LogLevel ERROR',
    'AcceptEnv GIT_PROTOCOL',
    '',
  ].join('\n');
  const configPath = path.join(dir, 'sshd_config');
  fs.writeFileSync(configPath, config);
  const log = fs.openSync(path.join(dir, 'sshd.log'), 'a');
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', configPath], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  await waitForPort(port, child);
  return { port, pid: child.pid!, user: os.userInfo().username, config, stop: () => stopChild(child) };
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const net = await import('node:net');
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}; see its log under the run directory`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('sshd did not start listening');
}
