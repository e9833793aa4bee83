import { NO_RESTRICTIONS } from '../../src/identity/token-restrictions.js';
/**
 * A git edge on its own: an Express app with only the git router, a
 * table-driven authorizer, a temp repositories root, an HTTP listener on
 * 127.0.0.1:0, and helpers to drive the real git client and raw requests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Principal } from '../../src/identity/principal.js';
import type { GitAuthorizer, GitGrant, GitRequest } from '../../src/auth/git-authorization.js';
import { createGitRouter, type GitHttpOptions } from '../../src/git-http/routes.js';
import { createLogger } from '../../src/http/logger.js';
import { GitOperations } from '../../src/git/git-operations.js';
import {
  BannedError,
  ForbiddenError,
  InsufficientScopeError,
  NotFoundError,
  UnauthorizedError,
} from '../../src/lib/errors.js';
import { FsRepositoryStore } from '../../src/storage/repos/fs-repository.store.js';
import { gitEnv, type GitResult } from '../support/git-cli.js';
import { runProcess } from '../support/run-process.js';

/** One account of the table: what it may do on which repositories. */
export interface Account {
  password: string;
  kind: 'token' | 'password';
  /** Repository (`ns/project`) → access. */
  access: Record<string, 'read' | 'write'>;
  /** A token that only has read_repository. */
  readScopeOnly?: boolean;
  twoFactor?: boolean;
}

/**
 * Hand-written authorizer over a table (not a mock of git): public repos are
 * readable anonymously; `allowAll` grants anything the store resolves.
 */
export class TableAuthorizer implements GitAuthorizer {
  readonly calls: GitRequest[] = [];
  readonly publicRepos = new Set<string>();
  readonly accounts = new Map<string, Account>();
  readonly bannedIps = new Set<string>();
  allowAll = false;
  failWith: Error | null = null;

  constructor(private readonly store: FsRepositoryStore) {}

  async authorize(request: GitRequest): Promise<GitGrant> {
    this.calls.push(request);
    if (this.failWith) throw this.failWith;
    if (this.bannedIps.has(request.ip)) throw new BannedError();
    const repo = `${request.namespace}/${request.project}`;
    const { credentials } = request;
    const account = credentials ? this.accounts.get(credentials.username) : undefined;
    if (credentials && (!account || account.password !== credentials.password)) throw new UnauthorizedError('invalid');
    if (account?.twoFactor && account.kind === 'password') throw new UnauthorizedError('two_factor_required');
    const access = this.allowAll ? 'write' : (account?.access[repo] ?? (this.publicRepos.has(repo) ? 'read' : undefined));
    if (!access) throw account ? new NotFoundError('404 Project') : new UnauthorizedError('missing');
    if (request.service === 'git-receive-pack') {
      if (!account && !this.allowAll) throw new UnauthorizedError('missing');
      if (account?.readScopeOnly) throw new InsufficientScopeError(['write_repository', 'api']);
      if (access !== 'write') throw new ForbiddenError('You are not allowed to push code to this project.');
    }
    const repoPath = await this.store.resolve(request.namespace, request.project);
    if (!repoPath) throw new NotFoundError('404 Project');
    const principal: Principal = account
      ? account.kind === 'token'
        ? { kind: 'token', user: { id: 1, username: credentials!.username, isAdmin: false }, tokenId: 7, scopes: ['write_repository'], restrictions: NO_RESTRICTIONS, token: { name: 'ci', expiresAt: null } }
        : { kind: 'password', user: { id: 1, username: credentials!.username, isAdmin: false } }
      : { kind: 'anonymous' };
    const push = request.service === 'git-receive-pack' ? { rules: null, context: { pusher: null, projectId: 1, projectPath: `${request.namespace}/${request.project}` } } : null;
    return { repoPath, projectId: 1, projectPath: `${request.namespace}/${request.project}`, principal, push, notice: null };
  }
}

/** What one request looked like on arrival (recorded before the git router). */
export interface SeenRequest {
  method: string;
  path: string;
  contentEncoding?: string;
  transferEncoding?: string;
  gitProtocol?: string;
}

export interface GitEdge {
  url: string;
  base: string;
  reposRoot: string;
  store: FsRepositoryStore;
  authorizer: TableAuthorizer;
  operations: GitOperations;
  seen: SeenRequest[];
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/** Starts a git edge over a fresh temp root; `options` overrides the git options. */
export async function startGitEdge(options: Partial<GitHttpOptions> = {}): Promise<GitEdge> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'gitgate-edge-'));
  const reposRoot = path.join(base, 'repos');
  fs.mkdirSync(reposRoot);
  const store = new FsRepositoryStore(reposRoot, 'git');
  const authorizer = new TableAuthorizer(store);
  const operations = new GitOperations();
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const seen: SeenRequest[] = [];
  const app = express();
  app.use((req, _res, next) => {
    seen.push({
      method: req.method,
      path: req.path,
      contentEncoding: req.get('content-encoding'),
      transferEncoding: req.get('transfer-encoding'),
      gitProtocol: req.get('git-protocol'),
    });
    next();
  });
  app.use(
    createGitRouter({
      authorizer,
      logger: createLogger('debug', sink),
      operations,
      options: { gitBin: 'git', timeoutMs: 60_000, idleTimeoutMs: 30_000, killGraceMs: 2000, ...options },
    }),
  );
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('fallback\n');
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    base,
    reposRoot,
    store,
    authorizer,
    operations,
    seen,
    logs,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
}

/** The environment of every git client command in these tests (the suite-wide one). */
export const clientEnv = gitEnv;

export type { GitResult };

/** Starts `git args…` in its own process group (so the test can kill all of it). */
export function spawnGit(args: string[], cwd: string, env: Record<string, string> = {}): ChildProcess {
  return spawn('git', args, { cwd, env: clientEnv(env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
}

/** Runs `git args…` to completion; never rejects on a git failure. */
export function git(args: string[], cwd: string, env: Record<string, string> = {}): Promise<GitResult> {
  return runProcess('git', args, { cwd, env: clientEnv(env) });
}

/** Like `git`, but throws with git's stderr on failure; returns trimmed stdout. */
export async function gitOk(args: string[], cwd: string, env: Record<string, string> = {}): Promise<string> {
  const r = await git(args, cwd, env);
  if (r.code !== 0) throw new Error(`git ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
  return r.stdout.trim();
}

/** A new work tree with `commits` small commits on `main`; returns its path. */
export async function workTree(base: string, name: string, commits = 1): Promise<string> {
  const dir = path.join(base, name);
  await gitOk(['init', '-q', '-b', 'main', dir], base);
  for (let i = 0; i < commits; i++) await commitFile(dir, `file-${i}.txt`, `content ${i}\n`);
  return dir;
}

/** Writes `file` and commits it; returns the new commit id. */
export async function commitFile(dir: string, file: string, content: string | Buffer): Promise<string> {
  fs.writeFileSync(path.join(dir, file), content);
  await gitOk(['add', file], dir);
  await gitOk(['commit', '-q', '-m', `add ${file}`], dir);
  return gitOk(['rev-parse', 'HEAD'], dir);
}

/** Creates `ns/project` through the store and pushes `work`'s refs into it directly on disk. */
export async function seedRepo(edge: GitEdge, ns: string, project: string, work: string): Promise<string> {
  const repoPath = await edge.store.create(ns, project);
  await gitOk(['push', '-q', '--mirror', repoPath], work);
  return repoPath;
}

/** All refs of a repository as `sha ref` lines. */
export function refsOf(repoPath: string): Promise<string> {
  return gitOk(['for-each-ref', '--format=%(objectname) %(refname)'], repoPath);
}

/** Base URL of a repository with optional Basic credentials. */
export function repoUrl(edge: GitEdge, repo: string, user?: string, password?: string): string {
  const u = new URL(`${edge.url}/${repo}`);
  if (user !== undefined) u.username = encodeURIComponent(user);
  if (password !== undefined) u.password = encodeURIComponent(password);
  return u.toString();
}

/** Live (non-zombie) processes whose command line or working directory is under `dir`. */
export function processesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
      if (cmdline.includes(dir) || cwd.startsWith(dir)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/**
 * processesUnder(dir) once it is empty, or what is left after `withinMs`.
 * A killed process group is torn down by the kernel asynchronously: a git
 * process can be seen mid-exit (no cmdline yet, not yet a zombie) for a
 * moment after its parent was reaped.
 */
export async function processesLeftUnder(dir: string, withinMs = 5000): Promise<string[]> {
  const deadline = Date.now() + withinMs;
  let left = processesUnder(dir);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    left = processesUnder(dir);
  }
  return left;
}

/** Direct children of this process running `git … --stateless-rpc`. */
export function statelessRpcChildren(): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z' || Number(fields[1]) !== process.pid) continue;
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes('--stateless-rpc')) found.push(`${pid}: ${cmdline}`);
    } catch {
      // gone
    }
  }
  return found;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One HTTP request with a raw path (no normalisation) and an optional body. */
export function request(
  edge: GitEdge,
  method: string,
  rawPath: string,
  options: { headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${edge.url}/`, { method, path: rawPath, headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** `Authorization: Basic …` for `user:password`. */
export function basic(user: string, password: string): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

/** One pkt-line (test-side encoder, independent of the one under test). */
export function pkt(line: string): string {
  return (line.length + 4).toString(16).padStart(4, '0') + line;
}

/** A git that counts its runs: `bin` for the edge's gitBin, `runs()` how many started so far. */
export interface CountingGit {
  dir: string;
  bin: string;
  runs(): number;
}

/** Writes a counting git wrapper (a shell script that logs, then execs git) into a new temp directory. */
export function countingGit(): CountingGit {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitgate-counting-git-'));
  const runsFile = path.join(dir, 'runs');
  const bin = path.join(dir, 'git');
  fs.writeFileSync(bin, `#!/bin/sh\necho "$1" >> '${runsFile}'\nexec git "$@"\n`, { mode: 0o755 });
  return {
    dir,
    bin,
    runs: () => (fs.existsSync(runsFile) ? fs.readFileSync(runsFile, 'utf8').split('\n').filter(Boolean).length : 0),
  };
}
