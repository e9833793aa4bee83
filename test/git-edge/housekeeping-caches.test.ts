/**
 * The ref-advertisement and fetch caches across housekeeping, with the real
 * git client over HTTP and a counting git on the server: a repack changes
 * no ref, so a kept answer stays valid and is served on (no git run) — and
 * the clone it makes is whole; `pack-refs` rewrites the ref files the
 * caches key on, so their answers are dropped deliberately and the next
 * clone runs git, again whole and current. Maintenance runs with the plain
 * git, so the counter sees only the edge's runs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GIT_PATH } from '../../src/git/git-env.js';
import { RepositoryMaintenance } from '../../src/git/repository-maintenance.js';
import { commitFile, countingGit, gitOk, refsOf, repoUrl, seedRepo, startGitEdge, workTree, type CountingGit, type GitEdge } from './harness.js';

let edge: GitEdge;
let counting: CountingGit;
let repoPath: string;
let work: string;
let url: string;
const maintenance = new RepositoryMaintenance({ gitBin: 'git', envPath: DEFAULT_GIT_PATH, homeDir: os.tmpdir() });

/** Lets the last ref change age past the caches' settle margin (2 s of ctime). */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 2100));

let clones = 0;
/** Clones over HTTP (protocol v2), checks the clone is sound and has the server's refs; resolves to the git runs it cost the server. */
async function cloneRuns(): Promise<number> {
  const before = counting.runs();
  const dest = path.join(edge.base, `clone-${++clones}`);
  await gitOk(['-c', 'protocol.version=2', 'clone', '--quiet', '--bare', url, dest], edge.base);
  const runs = counting.runs() - before;
  await gitOk(['fsck', '--no-progress', '--no-dangling'], dest);
  expect(await refsOf(dest)).toBe(await refsOf(repoPath));
  return runs;
}

beforeAll(async () => {
  counting = countingGit();
  edge = await startGitEdge({ gitBin: counting.bin, fetchCache: { dir: path.join(counting.dir, 'cache'), maxBytes: 64 * 1024 * 1024, maxAgeMs: 600_000 } });
  work = await workTree(edge.base, 'upstream', 2);
  repoPath = await seedRepo(edge, 'alice', 'kept', work);
  // Small pushes, one at a time: loose objects and loose refs, as a busy repository has.
  for (let i = 0; i < 8; i++) {
    await commitFile(work, `push-${i}.txt`, `push ${i}\n`);
    await gitOk(['push', '-q', repoPath, 'main', `HEAD:refs/heads/topic-${i}`], work);
  }
  edge.authorizer.accounts.set('alice', { password: 'tok', kind: 'token', access: { 'alice/kept': 'read' } });
  url = repoUrl(edge, 'alice/kept.git', 'alice', 'tok');
  await settle();
});

afterAll(async () => {
  await edge.close();
  fs.rmSync(counting.dir, { recursive: true, force: true });
});

describe('the caches across housekeeping', () => {
  it('drops the kept answers when pack-refs rewrites the ref files, and the next clone is whole and current', async () => {
    expect(await cloneRuns()).toBeGreaterThan(0);
    expect(await cloneRuns()).toBe(0);
    const report = await maintenance.run(repoPath, 'full');
    expect(report.packedRefs).toBe(true);
    expect(report.after).toEqual({ packs: 1, looseObjects: 0 });
    await settle();
    expect(await cloneRuns()).toBeGreaterThan(0);
    expect(await cloneRuns()).toBe(0);
  });

  it('serves the kept answers on across a repack that changes no ref file, and the clone they make is whole', async () => {
    await commitFile(work, 'late.txt', 'late\n');
    await gitOk(['push', '-q', repoPath, 'main'], work);
    await settle();
    expect(await cloneRuns()).toBeGreaterThan(0);
    expect(await cloneRuns()).toBe(0);
    // refs/heads/main is loose again: pack it so the next runs change no ref file.
    await gitOk(['pack-refs', '--all'], repoPath);
    await settle();
    expect(await cloneRuns()).toBeGreaterThan(0);
    const packsBefore = fs.readdirSync(path.join(repoPath, 'objects', 'pack')).filter((n) => n.endsWith('.pack'));
    for (const task of ['incremental', 'full'] as const) {
      const report = await maintenance.run(repoPath, task);
      expect(report.packedRefs).toBe(false);
      // The kept pack stream names objects, not pack files: the old packs being gone changes nothing.
      expect(await cloneRuns()).toBe(0);
    }
    const packsAfter = fs.readdirSync(path.join(repoPath, 'objects', 'pack')).filter((n) => n.endsWith('.pack'));
    expect(packsAfter.some((n) => packsBefore.includes(n))).toBe(false);
    expect(fs.readdirSync(path.join(repoPath, 'objects', 'pack')).some((n) => n.endsWith('.bitmap'))).toBe(true);
  });
});
