/**
 * RepositoryMaintenance on real repositories: a run stopped midway leaves
 * the repository whole and the next one completes; what a killed git left
 * in `objects/pack` is cleared once stale, and only then; a push's
 * quarantine is seen until it is stale.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GIT_PATH } from '../../src/git/git-env.js';
import { RepositoryMaintenance } from '../../src/git/repository-maintenance.js';
import { commitFile, gitOk, workTree } from './harness.js';

let base: string;
let repo: string;
const options = { gitBin: 'git', envPath: DEFAULT_GIT_PATH, homeDir: os.tmpdir(), timeoutMs: 600_000 };

beforeAll(async () => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'gitgate-maint-'));
  const work = await workTree(base, 'work', 2);
  repo = path.join(base, 'repo.git');
  await gitOk(['init', '-q', '--bare', repo], base);
  for (let i = 0; i < 20; i++) {
    await commitFile(work, `f-${i}.bin`, Buffer.alloc(64 * 1024, i));
    await gitOk(['-c', 'receive.unpackLimit=1', 'push', '-q', repo, `HEAD:refs/heads/b${i}`], work);
  }
});
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

describe('RepositoryMaintenance', () => {
  it('leaves the repository whole when stopped midway, and the next run completes', async () => {
    const maintenance = new RepositoryMaintenance(options);
    const refs = await gitOk(['for-each-ref'], repo);
    const stop = new AbortController();
    const run = maintenance.run(repo, 'full', stop.signal);
    stop.abort();
    await expect(run).rejects.toThrow(/stopping/);
    await gitOk(['fsck', '--no-progress', '--no-dangling'], repo);
    expect(await gitOk(['for-each-ref'], repo)).toBe(refs);
    const report = await maintenance.run(repo, 'full');
    expect(report.after).toEqual({ packs: 1, looseObjects: 0 });
    await gitOk(['fsck', '--no-progress', '--no-dangling'], repo);
  });

  it("clears a killed git's temporary pack files once they are stale, and no sooner", async () => {
    let now = Date.now();
    const maintenance = new RepositoryMaintenance({ ...options, staleQuarantineMs: 3_600_000, now: () => now });
    const pack = path.join(repo, 'objects', 'pack');
    const old = path.join(pack, 'tmp_pack_old123');
    const young = path.join(pack, '.tmp-4242-pack-young.pack');
    for (const file of [old, young]) fs.writeFileSync(file, 'half a pack');
    const hourAgo = new Date(now - 3_700_000);
    fs.utimesSync(old, hourAgo, hourAgo);
    await maintenance.run(repo, 'incremental');
    expect(fs.existsSync(old)).toBe(false);
    expect(fs.existsSync(young)).toBe(true);
    now += 3_700_000;
    await maintenance.run(repo, 'incremental');
    expect(fs.existsSync(young)).toBe(false);
  });

  it("sees a push's quarantine until it is stale", () => {
    let now = Date.now();
    const maintenance = new RepositoryMaintenance({ ...options, staleQuarantineMs: 60_000, now: () => now });
    expect(maintenance.pushReceiving(repo)).toBe(false);
    const quarantine = path.join(repo, 'objects', 'tmp_objdir-incoming-abc123');
    fs.mkdirSync(quarantine);
    expect(maintenance.pushReceiving(repo)).toBe(true);
    now += 61_000;
    expect(maintenance.pushReceiving(repo)).toBe(false);
    fs.rmSync(quarantine, { recursive: true });
  });
});
