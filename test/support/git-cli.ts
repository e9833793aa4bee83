/**
 * Runs the real git client, isolated from the user's and system's
 * configuration, never prompting for credentials.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runProcess, type ProcessResult } from './run-process.js';

/** The outcome of one git command. */
export type GitResult = ProcessResult;

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'gitgate-githome-'));

/** The environment every test git command runs with. */
export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    LANG: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '/bin/false',
    GIT_AUTHOR_NAME: 'Test Author',
    GIT_AUTHOR_EMAIL: 'author@example.test',
    GIT_COMMITTER_NAME: 'Test Author',
    GIT_COMMITTER_EMAIL: 'author@example.test',
    ...extra,
  };
}

/** Runs `git args…`; resolves with the exit code and output (never rejects on failure). */
export function git(args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Promise<GitResult> {
  return runProcess('git', args, { cwd: options.cwd, env: gitEnv(options.env), input: options.input });
}

/** Like `git`, but throws with git's stderr when it fails. */
export async function gitOk(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<string> {
  const r = await git(args, options);
  if (r.code !== 0) throw new Error(`git ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
  return r.stdout;
}

/** A fresh temporary directory. */
export function tempDir(prefix = 'gitgate-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** `http://user:secret@host/ns/project.git` with the parts URL-encoded. */
export function authUrl(base: string, repo: string, username?: string, secret?: string): string {
  const u = new URL(`${base}/${repo}`);
  if (username !== undefined) u.username = encodeURIComponent(username);
  if (secret !== undefined) u.password = encodeURIComponent(secret);
  return u.toString();
}
