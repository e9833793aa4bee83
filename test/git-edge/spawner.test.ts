/**
 * The git spawner with real git and real processes: git runs as a child of
 * the helper, not of this process; its stdin, stdout, stderr, exit status
 * and signals behave as with a direct spawn; the helper's death fails what
 * it ran and a new helper takes over; nothing is left running.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable, type Readable } from 'node:stream';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnGit, type GitChild, type GitChildOptions, type GitProcessSpec } from '../../src/git/git-child.js';
import { DEFAULT_GIT_PATH } from '../../src/git/git-env.js';
import { GitSpawner } from '../../src/git/spawner/git-spawner.js';
import type { FromHelper } from '../../src/git/spawner/spawner-protocol.js';
import { processesLeftUnder, processesUnder } from './harness.js';

const HELPER = fileURLToPath(new URL('../../src/git/spawner/spawner-process.mjs', import.meta.url));

let base: string;
let repo: string;
let blob: Buffer;
let blobId: string;
const spawners: GitSpawner[] = [];

beforeAll(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'gitgate-spawner-test-'));
  repo = path.join(base, 'repo.git');
  execFileSync('git', ['init', '-q', '--bare', repo]);
  blob = randomBytes(3 * 1024 * 1024 + 17);
  fs.writeFileSync(path.join(base, 'blob'), blob);
  blobId = execFileSync('git', ['-C', repo, 'hash-object', '-w', path.join(base, 'blob')]).toString().trim();
});

afterEach(async () => {
  await Promise.all(spawners.splice(0).map((s) => s.stop()));
  expect(await processesLeftUnder(base)).toEqual([]);
});

afterAll(() => {
  fs.rmSync(base, { recursive: true, force: true });
});

function logged(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

async function started(options: { script?: string; startTimeoutMs?: number } = {}): Promise<{ spawner: GitSpawner; lines: Array<Record<string, unknown>> }> {
  const { logger, lines } = logged();
  const spawner = new GitSpawner({ logger, ...options });
  spawners.push(spawner);
  await spawner.start();
  return { spawner, lines };
}

function options(spawner: GitSpawner | null, stderrLimitBytes = 8192): GitChildOptions {
  return { gitBin: 'git', envPath: DEFAULT_GIT_PATH, homeDir: base, stderrLimitBytes, ...(spawner ? { launcher: spawner } : {}) };
}

function git(spawner: GitSpawner | null, args: string[], withStdin = false, stderrLimitBytes?: number): GitChild {
  const spec: GitProcessSpec = { args, cwd: repo, gitProtocol: null, withStdin };
  return spawnGit(options(spawner, stderrLimitBytes), spec);
}

function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return new Promise((resolve) => stream.once('end', () => resolve(Buffer.concat(chunks))));
}

/** Live processes whose parent is `ppid`, as `comm cmdline`. */
function childrenOf(ppid: number): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z' || Number(fields[1]) !== ppid) continue;
      found.push(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim());
    } catch {
      // gone
    }
  }
  return found;
}

/** Resolves once `check` holds, polling /proc-like state (bounded). */
async function until(check: () => boolean, withinMs = 5000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('GitSpawner', () => {
  it('runs git as a child of the helper, stdin and stdout byte for byte, with EOF on stdin', async () => {
    const { spawner } = await started();
    const child = git(spawner, ['cat-file', '--batch'], true);
    const output = collect(child.stdout);
    child.stdin!.write(`${blobId}\n`);
    await until(() => childrenOf(spawner.helperPid!).some((c) => c.includes('cat-file --batch')));
    expect(childrenOf(process.pid).filter((c) => c.includes('cat-file'))).toEqual([]);
    child.stdin!.end(`${blobId}\n`);
    const header = Buffer.from(`${blobId} blob ${blob.length}\n`);
    const one = Buffer.concat([header, blob, Buffer.from('\n')]);
    expect((await output).equals(Buffer.concat([one, one]))).toBe(true);
    expect(await child.exited).toEqual({ code: 0, signal: null });
  });

  describe.each([
    ['the helper', true],
    ['a direct spawn', false],
  ])('git writing its output to a file, started by %s', (_name, helper) => {
    const launcher = async (): Promise<GitSpawner | null> => (helper ? (await started()).spawner : null);

    it('lets git write its output straight into an existing file, stdout empty', async () => {
      const spawner = await launcher();
      const file = path.join(base, `out-${randomUUID()}`);
      fs.writeFileSync(file, '');
      const child = spawnGit(options(spawner), { args: ['cat-file', '--batch'], cwd: repo, gitProtocol: null, withStdin: true, stdoutFile: file });
      const stdout = collect(child.stdout);
      child.stdin!.end(`${blobId}\n${blobId}\n`);
      expect(await child.exited).toEqual({ code: 0, signal: null });
      expect((await stdout).length).toBe(0);
      const one = Buffer.concat([Buffer.from(`${blobId} blob ${blob.length}\n`), blob, Buffer.from('\n')]);
      expect(fs.readFileSync(file).equals(Buffer.concat([one, one]))).toBe(true);
    });

    it('never creates the output file nor follows a symbolic link to one', async () => {
      const spawner = await launcher();
      const target = path.join(base, `target-${randomUUID()}`);
      fs.writeFileSync(target, 'kept');
      const link = path.join(base, `link-${randomUUID()}`);
      fs.symlinkSync(target, link);
      const missing = path.join(base, `missing-${randomUUID()}`);
      for (const [file, code] of [[link, 'ELOOP'], [missing, 'ENOENT']] as const) {
        const spec: GitProcessSpec = { args: ['version'], cwd: repo, gitProtocol: null, withStdin: false, stdoutFile: file };
        if (!spawner) {
          expect(() => spawnGit(options(null), spec)).toThrow(expect.objectContaining({ code }) as Error);
          continue;
        }
        const status = await spawnGit(options(spawner), spec).exited;
        expect(status.error).toMatchObject({ code });
      }
      expect(fs.readFileSync(target, 'utf8')).toBe('kept');
      expect(fs.existsSync(missing)).toBe(false);
    });
  });

  it('serves many concurrent runs, each its own output', async () => {
    const { spawner } = await started();
    const runs = Array.from({ length: 24 }, (_, i) => {
      const child = git(spawner, ['hash-object', '--stdin'], true);
      const out = collect(child.stdout);
      child.stdin!.end(`content ${i}\n`);
      return Promise.all([out, child.exited]);
    });
    const results = await Promise.all(runs);
    results.forEach(([out, status], i) => {
      const expected = execFileSync('git', ['hash-object', '--stdin'], { input: `content ${i}\n` }).toString();
      expect(out.toString()).toBe(expected);
      expect(status).toEqual({ code: 0, signal: null });
    });
  });

  it('gives git /dev/null as stdin when it needs none, and the environment it was given only', async () => {
    const { spawner } = await started();
    const child = git(spawner, ['-c', 'alias.env=!env; cat', 'env']);
    expect(child.stdin).toBeNull();
    const out = (await collect(child.stdout)).toString();
    expect((await child.exited).code).toBe(0);
    expect(out).toContain('GIT_CONFIG_NOSYSTEM=1');
    expect(out).not.toMatch(/GITGATE|DATABASE_URL|REDIS_URL|NODE_CHANNEL_FD/);
  });

  it('relays stderr, keeps the first stderrLimitBytes of it, and reports the exit code', async () => {
    const { spawner } = await started();
    const child = git(spawner, ['upload-pack', '--stateless-rpc', '--advertise-refs', path.join(base, 'missing')], false, 12);
    const streamed = collect(child.stderrStream);
    await collect(child.stdout);
    expect((await child.exited).code).toBe(128);
    const stderr = await streamed;
    expect(stderr.toString()).toMatch(/^fatal: .*missing/);
    expect(child.stderr()).toBe(stderr.subarray(0, 12).toString().trim());
  });

  it('keeps the output of a git that exits without reading all its input', async () => {
    const { spawner } = await started();
    const child = git(spawner, ['-c', 'alias.quit=!echo out; exit 3', 'quit'], true);
    const out = collect(child.stdout);
    child.stdin!.end(randomBytes(8 * 1024 * 1024));
    expect((await out).toString()).toBe('out\n');
    expect(await child.exited).toEqual({ code: 3, signal: null });
  });

  it('settles exited only once every holder of git\'s stdout is gone', async () => {
    const { spawner } = await started();
    const child = git(spawner, ['-c', 'alias.late=!(sleep 0.3; echo late) & echo early', 'late']);
    const out = collect(child.stdout);
    await child.exited;
    expect((await out).toString()).toBe('early\nlate\n');
  });

  it('reports git that cannot be started through exited, like a direct spawn', async () => {
    const { spawner } = await started();
    const child = spawnGit({ ...options(spawner), gitBin: path.join(base, 'no-such-git') }, { args: ['version'], cwd: repo, gitProtocol: null, withStdin: true });
    child.stdin!.end('ignored');
    await collect(child.stdout);
    const status = await child.exited;
    expect(status.error?.message).toMatch(/ENOENT/);
    expect(status.code).toBeNull();
  });

  it('signals git\'s whole process group, and not after it exited', async () => {
    const { spawner } = await started();
    const child = git(spawner, ['-c', 'alias.nap=!sleep 30', 'nap']);
    const out = collect(child.stdout);
    await until(() => childrenOf(spawner.helperPid!).some((c) => c.includes('nap')));
    child.signal('SIGTERM');
    const status = await child.exited;
    await out;
    expect(status.signal).toBe('SIGTERM');
    child.signal('SIGKILL');
    expect(await processesLeftUnder(base)).toEqual([]);
  });

  it('cancels a run signalled before git started', async () => {
    const { spawner } = await started();
    const child = git(spawner, ['cat-file', '--batch'], true);
    child.signal('SIGKILL');
    await collect(child.stdout);
    expect((await child.exited).signal).toBe('SIGKILL');
  });

  it('fails what a dead helper ran, stops that git, and starts a new helper with the next spawn', async () => {
    const { spawner, lines } = await started();
    const first = spawner.helperPid!;
    const child = git(spawner, ['cat-file', '--batch'], true);
    const out = collect(child.stdout);
    child.stdin!.write(`${blobId}\n`);
    await until(() => childrenOf(first).some((c) => c.includes('cat-file')));
    process.kill(first, 'SIGKILL');
    const status = await child.exited;
    await out;
    expect(status.error?.message).toMatch(/spawner exited/);
    expect(await processesLeftUnder(base)).toEqual([]);
    await until(() => lines.some((l) => l.level === 40 && String(l.msg).includes('git spawner exited')));

    const next = git(spawner, ['version']);
    expect((await collect(next.stdout)).toString()).toMatch(/^git version/);
    expect((await next.exited).code).toBe(0);
    await spawner.start();
    expect(spawner.helperPid).not.toBeNull();
    expect(spawner.helperPid).not.toBe(first);
    const later = git(spawner, ['cat-file', '--batch'], true);
    const laterOut = collect(later.stdout);
    await until(() => childrenOf(spawner.helperPid!).some((c) => c.includes('cat-file')));
    later.stdin!.end();
    await laterOut;
    expect((await later.exited).code).toBe(0);
  });

  it('stops its helper, which leaves nothing behind', async () => {
    const { spawner } = await started();
    const pid = spawner.helperPid!;
    const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
    expect(environ.every((e) => e.startsWith('NODE_CHANNEL_'))).toBe(true);
    const socketDir = path.dirname(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[2]!);
    expect((fs.statSync(socketDir).mode & 0o777).toString(8)).toBe('700');
    const child = git(spawner, ['version']);
    await collect(child.stdout);
    await child.exited;
    await spawner.stop();
    expect(alive(pid)).toBe(false);
    expect(fs.existsSync(socketDir)).toBe(false);
  });

  it('falls back to spawning directly when the helper cannot start, and says so once', async () => {
    const never = path.join(base, 'never-ready.mjs');
    fs.writeFileSync(never, 'setInterval(() => undefined, 1000);\n');
    for (const script of [path.join(base, 'missing.mjs'), never]) {
      const { spawner, lines } = await started({ script, startTimeoutMs: 500 });
      expect(spawner.fallenBack).toBe(true);
      expect(spawner.helperPid).toBeNull();
      for (let i = 0; i < 2; i++) {
        const child = git(spawner, ['version']);
        expect((await collect(child.stdout)).toString()).toMatch(/^git version/);
        expect((await child.exited).code).toBe(0);
      }
      expect(lines.filter((l) => l.level === 40)).toHaveLength(1);
    }
  });
});

describe('spawner-process.mjs', () => {
  /** A helper forked like SpawnerHelper does, and the messages it sent. */
  async function helperProcess(): Promise<{ helper: ChildProcess; dir: string; socketPath: string; messages: FromHelper[] }> {
    const dir = fs.mkdtempSync(path.join(base, 'sock-'));
    const socketPath = path.join(dir, 's.sock');
    const helper = fork(HELPER, [socketPath], { execArgv: [], env: {}, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const messages: FromHelper[] = [];
    helper.on('message', (m: FromHelper) => messages.push(m));
    await until(() => messages.some((m) => m.type === 'ready'));
    return { helper, dir, socketPath, messages };
  }

  /** Has the helper start `git args…` (stdout to a connection this test drains); resolves with the run's id once git runs. */
  async function runThrough(h: { helper: ChildProcess; socketPath: string; messages: FromHelper[] }, args: string[]): Promise<string> {
    const id = randomUUID();
    const out = net.connect(h.socketPath);
    out.on('error', () => undefined);
    out.write(`${id}o`);
    out.resume();
    h.helper.send({ type: 'spawn', id, file: 'git', args, cwd: repo, env: { PATH: DEFAULT_GIT_PATH }, withStdin: false });
    await until(() => h.messages.some((m) => m.type === 'spawned' && m.id === id));
    return id;
  }

  it('kills the git it runs and exits when the gateway disconnects', async () => {
    const h = await helperProcess();
    await runThrough(h, ['-c', 'alias.nap=!sleep 30', 'nap']);
    const exited = new Promise((resolve) => h.helper.once('exit', resolve));
    h.helper.disconnect();
    await exited;
    expect(await processesLeftUnder(base)).toEqual([]);
    expect(fs.existsSync(h.dir)).toBe(false);
  });

  it('leaves the git it runs alone on SIGTERM and SIGINT (a signal to the whole process group): the gateway drains first', async () => {
    const h = await helperProcess();
    let exitedEarly = false;
    h.helper.once('exit', () => (exitedEarly = true));
    const exited = new Promise((resolve) => h.helper.once('exit', resolve));
    try {
      await runThrough(h, ['-c', 'alias.nap=!sleep 30', 'nap']);
      h.helper.kill('SIGTERM');
      h.helper.kill('SIGINT');
      // A whole run after the signals: the helper handled them and still serves.
      const later = await runThrough(h, ['version']);
      await until(() => exitedEarly || h.messages.some((m) => m.type === 'exit' && m.id === later));
      expect(exitedEarly).toBe(false);
      expect(alive(h.helper.pid!)).toBe(true);
      expect(processesUnder(base).filter((p) => p.includes(' nap '))).toHaveLength(1);
    } finally {
      if (h.helper.connected) h.helper.disconnect();
      await exited;
    }
    expect(await processesLeftUnder(base)).toEqual([]);
  });
});
