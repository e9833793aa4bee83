/**
 * The real OpenSSH client (ssh, ssh-keygen, sftp) and sshpass against a
 * gateway's SSH port: keys generated per test, no user or system ssh
 * configuration, no known_hosts, loopback only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { git, tempDir, type GitResult } from '../support/git-cli.js';
import { runProcess } from '../support/run-process.js';
import { toolsInstalled } from '../support/required-tools.js';

/** True when OpenSSH's client and sshpass are installed (see toolsInstalled). */
export function sshToolsInstalled(): boolean {
  return toolsInstalled('the Git-over-SSH suites', ['ssh', 'ssh-keygen', 'sftp', 'sshpass'], 'openssh-client sshpass');
}

/** A client key pair on disk. */
export interface ClientKey {
  privatePath: string;
  /** The `.pub` line, as a user would paste it. */
  publicKey: string;
}

/** How the client authenticates. */
export type SshAuth =
  | { key: ClientKey }
  | {
      secret: string;
      /** OpenSSH's PreferredAuthentications (default `password`). */
      method?: 'password' | 'keyboard-interactive' | 'password,keyboard-interactive';
      /** `INFO` shows what the server says during authentication (default `ERROR`: only errors). */
      logLevel?: 'ERROR' | 'INFO';
    };

const home = tempDir('gitgate-sshhome-');

/** `ssh-keygen -t <type>`: a fresh key without passphrase. */
export async function generateKey(type: 'ed25519' | 'ecdsa' | 'rsa' = 'ed25519', bits?: number): Promise<ClientKey> {
  const dir = tempDir('gitgate-key-');
  const privatePath = path.join(dir, `id_${type}`);
  const args = ['-q', '-t', type, '-N', '', '-C', `test-${type}@example.test`, '-f', privatePath, ...(bits ? ['-b', String(bits)] : [])];
  const r = await run('ssh-keygen', args);
  if (r.code !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
  return { privatePath, publicKey: fs.readFileSync(`${privatePath}.pub`, 'utf8').trim() };
}

/** The ssh command line (for GIT_SSH_COMMAND or direct use) and the environment it needs. */
export function sshCommand(port: number, auth: SshAuth): { argv: string[]; env: Record<string, string> } {
  const common = [
    '-F', '/dev/null',
    '-p', String(port),
    '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', `LogLevel=${('logLevel' in auth && auth.logLevel) || 'ERROR'}`,
    '-o', 'ConnectTimeout=10',
  ];
  if ('key' in auth) {
    return {
      argv: ['ssh', ...common, '-i', auth.key.privatePath, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', 'PreferredAuthentications=publickey'],
      env: {},
    };
  }
  const method = auth.method ?? 'password';
  return {
    argv: [
      'sshpass', '-e', '-P', 'assword', 'ssh', ...common,
      '-o', 'PubkeyAuthentication=no',
      '-o', `PreferredAuthentications=${method}`,
      '-o', 'NumberOfPasswordPrompts=1',
    ],
    env: { SSHPASS: auth.secret },
  };
}

/** Runs git with GIT_SSH_COMMAND pointing at the gateway. */
export function gitSsh(
  port: number,
  auth: SshAuth,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; sshOptions?: string[] } = {},
): Promise<GitResult> {
  const { argv, env } = sshCommand(port, auth);
  const command = [...argv, ...(options.sshOptions ?? [])].map(quote).join(' ');
  return git(args, { cwd: options.cwd, env: { HOME: home, GIT_SSH_COMMAND: command, ...env, ...options.env } });
}

/** Runs `ssh [options…] user@127.0.0.1 [command…]` (no tty). */
export function ssh(
  port: number,
  auth: SshAuth,
  user: string,
  command: string[] = [],
  input?: string,
  options: string[] = [],
): Promise<GitResult> {
  const { argv, env } = sshCommand(port, auth);
  const [bin, ...rest] = argv as [string, ...string[]];
  return run(bin, [...rest, ...options, '-T', `${user}@127.0.0.1`, ...command], env, input);
}

/** Starts `ssh user@127.0.0.1 command` and hands back the process (stdin/stdout piped). */
export function spawnSsh(port: number, auth: SshAuth, user: string, command: string): ChildProcess {
  const { argv, env } = sshCommand(port, auth);
  const [bin, ...rest] = argv as [string, ...string[]];
  return spawn(bin, [...rest, '-T', `${user}@127.0.0.1`, command], {
    env: { PATH: process.env.PATH, HOME: home, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** `sftp` in batch mode with a key. */
export function sftp(port: number, key: ClientKey, user: string): Promise<GitResult> {
  return run(
    'sftp',
    ['-F', '/dev/null', '-P', String(port), '-i', key.privatePath, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes',
      '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-b', '-', `${user}@127.0.0.1`],
    {},
    'ls\n',
  );
}

/** `ssh://user@127.0.0.1:port/repo`. */
export function sshUrl(port: number, user: string, repo: string): string {
  return `ssh://${user}@127.0.0.1:${port}/${repo}`;
}

function quote(word: string): string {
  return /^[A-Za-z0-9_./=:@-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function run(bin: string, args: string[], env: Record<string, string> = {}, input?: string): Promise<GitResult> {
  return runProcess(bin, args, { env: { PATH: process.env.PATH, HOME: home, ...env }, input: input ?? '' });
}
