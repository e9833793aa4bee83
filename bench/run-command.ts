/**
 * Running the git client (and other tools) for the benchmark: isolated from
 * the user's configuration, timed, failing loudly.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Never created: with GIT_CONFIG_GLOBAL=/dev/null git reads nothing from HOME.
const home = path.join(os.tmpdir(), 'gitgate-bench-no-home');

/** The environment of every client command: no system or global git config, no prompts. */
export function clientEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    LANG: 'C',
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '/bin/false',
    GIT_AUTHOR_NAME: 'Bench',
    GIT_AUTHOR_EMAIL: 'bench@example.test',
    GIT_COMMITTER_NAME: 'Bench',
    GIT_COMMITTER_EMAIL: 'bench@example.test',
    ...extra,
  };
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** A file to read as standard input (default: none). */
  stdinFile?: string;
}

/** Runs `command args…`; resolves with stdout, rejects with stderr on a non-zero exit. */
export function runChecked(command: string, args: string[], options: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = options.stdinFile ? fs.openSync(options.stdinFile, 'r') : 'ignore';
    const child = spawn(command, args, { cwd: options.cwd, env: clientEnv(options.env), stdio: [stdin, 'pipe', 'pipe'] });
    if (typeof stdin === 'number') fs.closeSync(stdin);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString());
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${Buffer.concat(err).toString().slice(-2000)}`));
    });
  });
}

/** Runs the command and returns its wall time in milliseconds. */
export async function timed(command: string, args: string[], options: RunOptions = {}): Promise<number> {
  const started = performance.now();
  await runChecked(command, args, options);
  return performance.now() - started;
}

/** Runs `count` copies of a command at once; returns the wall time until the last ends. */
export async function timedConcurrently(count: number, make: (i: number) => [string, string[], RunOptions?]): Promise<number> {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: count }, (_, i) => {
      const [command, args, options] = make(i);
      return runChecked(command, args, options);
    }),
  );
  return performance.now() - started;
}
