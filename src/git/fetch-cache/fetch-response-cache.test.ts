/**
 * FetchResponseCache over real repositories and real git: what is kept,
 * shared, evicted, expired and refused, and that a run nobody waits for stops.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_GIT_PATH } from '../git-env.js';
import { encodePktLine, FLUSH_PKT } from '../pkt-line.js';
import { RefStates } from '../ref-state.js';
import type { EntryReader } from './entry-reader.js';
import { FetchResponseCache, type FetchCacheOptions } from './fetch-response-cache.js';
import { useScratchGit } from '../../../test/support/scratch-git.js';

const run = promisify(execFile);
const scratch = useScratchGit('gitgate-fetch-cache-');
const { git, env } = scratch;
let counter = 0;

/** A bare repository whose `main` holds one blob of `blobBytes` random bytes; returns it and main's id. */
async function repo(blobBytes = 1024): Promise<{ repo: string; main: string }> {
  const dir = path.join(scratch.base, `repo-${++counter}.git`);
  await run('git', ['init', '--bare', '--quiet', '--initial-branch=main', dir], { env: env() });
  const blobFile = path.join(scratch.base, `blob-${counter}`);
  fs.writeFileSync(blobFile, randomBytes(blobBytes));
  const blob = await git(dir, 'hash-object', '-w', blobFile);
  const tree = execFileSync('git', ['-C', dir, 'mktree'], { env: env(), input: `100644 blob ${blob}\tdata.bin\n` }).toString().trim();
  const main = await git(dir, 'commit-tree', tree, '-m', 'c');
  await git(dir, 'update-ref', 'refs/heads/main', main);
  return { repo: dir, main };
}

/** A protocol v2 clone request for `want` (`thin` adds thin-pack, which changes nothing for a clone). */
function fetchRequest(want: string, thin = false): Buffer {
  return Buffer.concat([
    encodePktLine('command=fetch\n'),
    encodePktLine('object-format=sha1\n'),
    Buffer.from('0001'),
    ...(thin ? [encodePktLine('thin-pack\n')] : []),
    encodePktLine('ofs-delta\n'),
    encodePktLine('no-progress\n'),
    encodePktLine(`want ${want}\n`),
    encodePktLine('done\n'),
    FLUSH_PKT,
  ]);
}

/** Settled: a clock far past every ref's ctime. */
const settled = (): RefStates => new RefStates(512, 2000, () => Date.now() + 60_000);

function cache(overrides: Partial<FetchCacheOptions> = {}): FetchResponseCache {
  return new FetchResponseCache({
    gitBin: 'git',
    envPath: DEFAULT_GIT_PATH,
    homeDir: scratch.base,
    stderrLimitBytes: 4096,
    dir: path.join(scratch.base, `cache-${++counter}`),
    maxBytes: 64 * 1024 * 1024,
    maxAgeMs: 60_000,
    timeoutMs: 30_000,
    logger: pino({ level: 'silent' }),
    refStates: settled(),
    ...overrides,
  });
}

/** Reads the whole answer through one small buffer, as a relay does, and closes the reader. */
async function readAll(reader: EntryReader | null): Promise<Buffer> {
  expect(reader).not.toBeNull();
  const buffer = Buffer.alloc(16 * 1024);
  const parts: Buffer[] = [];
  try {
    for (let n = await reader!.read(buffer); n > 0; n = await reader!.read(buffer)) parts.push(Buffer.from(buffer.subarray(0, n)));
  } finally {
    reader!.close();
  }
  return Buffer.concat(parts);
}

const open = (c: FetchResponseCache, r: { repo: string; main: string }): EntryReader | null => c.open(r.repo, 'version=2', fetchRequest(r.main));

/** A git that waits 0.3 s before it starts. */
function slowGit(): string {
  const slow = path.join(scratch.base, 'slow-git');
  if (!fs.existsSync(slow)) fs.writeFileSync(slow, '#!/bin/sh\nsleep 0.3\nexec git "$@"\n', { mode: 0o755 });
  return slow;
}

/** A pid no process has now. */
function deadPid(): number {
  for (let pid = 4_000_000; ; pid--) {
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return pid;
    }
  }
}

/** Resolves once `check` holds (polled; the cache settles entries after their stream ended). */
async function eventually(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

describe('FetchResponseCache', () => {
  it('answers a repeated request from the kept file, byte for byte the first answer, without git', async () => {
    const r = await repo();
    const c = cache();
    const first = await readAll(open(c, r));
    expect(first.toString('latin1')).toContain('packfile\n');
    expect(first.toString('latin1')).toContain('PACK');
    await eventually(() => c.stats.stored === 1);
    const second = await readAll(open(c, r));
    expect(second.equals(first)).toBe(true);
    expect(c.stats).toMatchObject({ runs: 1, stored: 1, hits: 1 });
    // Every entry is charged its bytes and 8 KiB for its inode, last block and bookkeeping.
    expect(c.keptBytes).toBe(first.length + 8192);
  });

  it('shares one run between requests that arrive while it runs', async () => {
    const r = await repo(2 * 1024 * 1024);
    const c = cache();
    const streams = [open(c, r), open(c, r), open(c, r)];
    const answers = await Promise.all(streams.map(readAll));
    expect(answers[1]!.equals(answers[0]!)).toBe(true);
    expect(answers[2]!.equals(answers[0]!)).toBe(true);
    expect(c.stats).toMatchObject({ runs: 1, shared: 2 });
  });

  it('keeps one entry per request: another repository or another request runs git', async () => {
    const r = await repo();
    const other = await repo();
    const c = cache();
    await readAll(open(c, r));
    await readAll(open(c, other));
    await readAll(c.open(r.repo, 'version=2', fetchRequest(r.main, true)));
    expect(c.stats.runs).toBe(3);
  });

  it('declines while the refs are not settled', async () => {
    const r = await repo();
    const c = cache({ refStates: new RefStates(512, 2000, () => 0) });
    expect(open(c, r)).toBeNull();
    expect(c.stats).toMatchObject({ runs: 0, bypasses: 1 });
  });

  it('runs git again once an entry is older than maxAgeMs', async () => {
    const r = await repo();
    let now = 1_000_000;
    const c = cache({ now: () => now });
    await readAll(open(c, r));
    await eventually(() => c.stats.stored === 1);
    now += 60_001;
    await readAll(open(c, r));
    expect(c.stats).toMatchObject({ runs: 2, hits: 0 });
  });

  it('evicts the least recently used entries to stay within maxBytes, and unlinks their files', async () => {
    const repos = [await repo(300 * 1024), await repo(300 * 1024), await repo(300 * 1024)];
    const c = cache({ maxBytes: 700 * 1024 });
    for (const r of repos) {
      await readAll(open(c, r));
      await eventually(() => c.stats.stored + c.stats.discarded === repos.indexOf(r) + 1);
    }
    expect(c.keptBytes).toBeLessThanOrEqual(700 * 1024);
    await eventually(() => fs.readdirSync(c.directory).length === 2);
    await readAll(open(c, repos[2]!));
    expect(c.stats.hits).toBe(1);
    await readAll(open(c, repos[0]!));
    expect(c.stats.runs).toBe(4);
  });

  it('does not keep an answer that grows past half of maxBytes, and then leaves that repository to git', async () => {
    const r = await repo(300 * 1024);
    const c = cache({ maxBytes: 400 * 1024 });
    expect((await readAll(open(c, r))).length).toBeGreaterThan(200 * 1024);
    await eventually(() => c.stats.discarded === 1);
    expect(open(c, r)).toBeNull();
    expect(c.keptBytes).toBe(0);
  });

  it('does not keep an answer when the refs changed while git ran', async () => {
    const r = await repo();
    const c = cache({ gitBin: slowGit() });
    const answer = open(c, r);
    await git(r.repo, 'update-ref', 'refs/heads/other', r.main);
    await readAll(answer);
    await eventually(() => c.stats.discarded === 1);
    expect(c.stats.stored).toBe(0);
  });

  it('fails the stream when git fails, and keeps nothing', async () => {
    const r = await repo();
    const c = cache();
    await expect(readAll(c.open(r.repo, 'version=2', fetchRequest('1'.repeat(40))))).rejects.toThrow(/git run failed/);
    await readAll(open(c, r));
    expect(c.stats.runs).toBe(2);
    expect(c.stats.stored).toBeLessThanOrEqual(1);
  });

  it('stops git when every reader went away before it finished', async () => {
    const r = await repo(16 * 1024 * 1024);
    const c = cache();
    const answer = open(c, r)!;
    expect(await answer.read(Buffer.alloc(1024))).toBeGreaterThan(0);
    answer.close();
    await eventually(() => fs.readdirSync(c.directory).length === 0);
    expect(c.stats.stored).toBe(0);
    await readAll(open(c, r));
    expect(c.stats.runs).toBe(2);
  });

  it('keeps its files 0600 in a 0700 directory of its own, and removes only directories of stopped instances of this host', async () => {
    const root = path.join(scratch.base, 'cache-shared-root');
    const host = os.hostname().replace(/[^A-Za-z0-9-]/g, '_');
    const dead = path.join(root, `${host}.${deadPid()}.${'a'.repeat(16)}`);
    const live = path.join(root, `${host}.${process.pid}.${'b'.repeat(16)}`);
    const elsewhere = path.join(root, `other-host.1.${'c'.repeat(16)}`);
    for (const dir of [dead, live, elsewhere]) fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(root, 'unrelated.txt'), 'mine');
    const r = await repo();
    const one = cache({ dir: root });
    const two = cache({ dir: root });
    expect(fs.existsSync(dead)).toBe(false);
    for (const kept of [live, elsewhere, path.join(root, 'unrelated.txt'), one.directory, two.directory]) expect(fs.existsSync(kept)).toBe(true);
    expect(fs.statSync(one.directory).mode & 0o777).toBe(0o700);
    const answers = await Promise.all([readAll(open(one, r)), readAll(open(two, r))]);
    expect(answers[0]!.toString('latin1')).toContain('PACK');
    expect(one.stats.runs + two.stats.runs).toBe(2);
    const [file] = fs.readdirSync(one.directory);
    expect(fs.statSync(path.join(one.directory, file!)).mode & 0o777).toBe(0o600);
  });

  it('never lets a request join a run that is being stopped', async () => {
    const r = await repo(8 * 1024 * 1024);
    const c = cache({ gitBin: slowGit() });
    const leaving = open(c, r)!;
    leaving.close();
    const answer = await readAll(open(c, r));
    expect(answer.toString('latin1')).toContain('PACK');
    expect(c.stats).toMatchObject({ runs: 2, shared: 0 });
  });

  it('stops a run that takes longer than timeoutMs, fails its readers, and keeps nothing', async () => {
    const r = await repo();
    const c = cache({ gitBin: slowGit(), timeoutMs: 100 });
    await expect(readAll(open(c, r))).rejects.toThrow(/timeout/);
    await eventually(() => fs.readdirSync(c.directory).length === 0);
    expect(c.stats.stored).toBe(0);
  });

  it('leaves to git a repository whose packs are longer than half of maxBytes, without a run', async () => {
    const r = await repo(300 * 1024);
    await git(r.repo, 'repack', '-adq');
    const c = cache({ maxBytes: 400 * 1024 });
    expect(open(c, r)).toBeNull();
    expect(c.stats).toMatchObject({ runs: 0, bypasses: 1 });
  });

  it('charges runs under way what their packs weigh, so runs starting together stay within maxBytes', async () => {
    const repos = [await repo(300 * 1024), await repo(300 * 1024), await repo(300 * 1024)];
    for (const r of repos) await git(r.repo, 'repack', '-adq');
    const c = cache({ gitBin: slowGit(), maxBytes: 700 * 1024 });
    const [first, second, third] = repos.map((r) => open(c, r));
    expect(third).toBeNull();
    await Promise.all([readAll(first!), readAll(second!)]);
    expect(c.stats.runs).toBe(2);
  });

  it('leaves to git a repository with grafts, which rewrite history', async () => {
    const r = await repo();
    fs.mkdirSync(path.join(r.repo, 'info'), { recursive: true });
    fs.writeFileSync(path.join(r.repo, 'info', 'grafts'), '');
    const c = cache();
    expect(open(c, r)).toBeNull();
    expect(c.stats.runs).toBe(0);
  });

  it('cuts the readers of an answer it cannot write (a full disk), then leaves requests to git for a minute', async () => {
    const r = await repo();
    let now = 1_000_000;
    const c = cache({ now: () => now });
    // git's output file, opened for it (see openOutputFile), is /dev/full: git's own writes fail with ENOSPC.
    const outputFlags = fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW;
    const openSync = fs.openSync.bind(fs);
    const full = vi.spyOn(fs, 'openSync').mockImplementation(((file: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode) =>
      flags === outputFlags ? openSync('/dev/full', 'w') : openSync(file, flags ?? 'r', mode)) as typeof fs.openSync);
    try {
      await expect(readAll(open(c, r))).rejects.toThrow(/write-failed/);
    } finally {
      full.mockRestore();
    }
    // The failed entry's file is removed once the cache has seen the failure.
    await eventually(() => fs.readdirSync(c.directory).length === 0);
    expect(open(c, r)).toBeNull();
    now += 60_001;
    expect((await readAll(open(c, r))).toString('latin1')).toContain('PACK');
  });
});
