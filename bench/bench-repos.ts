/**
 * The benchmark's repositories, generated once with `git fast-import` and
 * cached under `bench/work/repos/` (gitignored), keyed by their profile so a
 * changed profile is generated anew and an interrupted generation is redone.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeHistory, type HistoryProfile } from './history-generator.js';
import { runChecked } from './run-command.js';

/** Bump when the generator's output changes for an unchanged profile. */
const GENERATOR_VERSION = 1;

/** The three repositories every run uses. */
export interface BenchRepos {
  /** ~100 MB: thousands of commits, binaries, branches, tags. */
  large: string;
  /** ~1 MB: where per-request overhead dominates. */
  small: string;
  /** `small` plus ~20 MB of new history on `refs/heads/pushed`, to push. */
  pushSource: string;
}

const BASE: Omit<HistoryProfile, 'seed' | 'commits'> = {
  initialFiles: 300,
  dirs: 30,
  maxLines: 700,
  filesPerCommit: 6,
  hunkLines: 60,
  binaryEvery: 85,
  binaryBytes: [200_000, 1_200_000],
  branchEvery: 150,
  branchLength: 12,
  tagEvery: 50,
  pathPrefix: '',
  ref: 'refs/heads/main',
  parent: null,
};

export const LARGE: HistoryProfile = { ...BASE, seed: 20261128, commits: 6000 };
export const SMALL: HistoryProfile = {
  ...BASE,
  seed: 7,
  commits: 500,
  initialFiles: 40,
  dirs: 6,
  maxLines: 300,
  filesPerCommit: 4,
  hunkLines: 16,
  binaryEvery: 100,
  binaryBytes: [60_000, 150_000],
  branchEvery: 60,
  branchLength: 4,
  tagEvery: 25,
};
const PUSH: Omit<HistoryProfile, 'parent'> = {
  ...BASE,
  seed: 99,
  commits: 450,
  initialFiles: 60,
  dirs: 6,
  binaryEvery: 18,
  binaryBytes: [400_000, 1_400_000],
  branchEvery: 0,
  tagEvery: 0,
  pathPrefix: 'pushed/',
  ref: 'refs/heads/pushed',
};

/** Generates (or finds cached) the bench repositories under `workDir`. */
export async function ensureBenchRepos(workDir: string, log: (line: string) => void): Promise<BenchRepos> {
  const dir = path.join(workDir, 'repos');
  fs.mkdirSync(dir, { recursive: true });
  const small = await ensureRepo(dir, 'small', SMALL, null, log);
  const large = await ensureRepo(dir, 'large', LARGE, null, log);
  const smallMain = (await runChecked('git', ['-C', small, 'rev-parse', 'refs/heads/main'])).trim();
  const pushSource = await ensureRepo(dir, 'push-source', { ...PUSH, parent: smallMain }, small, log);
  return { large, small, pushSource };
}

async function ensureRepo(dir: string, name: string, profile: HistoryProfile, base: string | null, log: (line: string) => void): Promise<string> {
  const key = createHash('sha256').update(JSON.stringify({ GENERATOR_VERSION, profile })).digest('hex').slice(0, 12);
  const target = path.join(dir, `${name}-${key}.git`);
  if (fs.existsSync(path.join(target, 'bench-complete'))) return target;
  fs.rmSync(target, { recursive: true, force: true });
  const started = performance.now();
  log(`generating ${name} repository (${profile.commits} commits, seed ${profile.seed}) into ${target}…`);
  const tmp = `${target}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  if (base) await runChecked('git', ['clone', '--bare', '--quiet', base, tmp]);
  else await runChecked('git', ['init', '--bare', '--quiet', '--initial-branch=main', tmp]);
  await fastImport(tmp, profile);
  // A gc'd server repository: one pack with deltas searched (fast-import's are few), a bitmap.
  await runChecked('git', ['-C', tmp, 'repack', '-a', '-d', '-f', '-q', '--write-bitmap-index']);
  await runChecked('git', ['-C', tmp, 'prune-packed']);
  fs.renameSync(tmp, target);
  fs.writeFileSync(path.join(target, 'bench-complete'), `${new Date().toISOString()}\n`);
  log(`  ${name}: ${(packBytes(target) / 1e6).toFixed(1)} MB packed, ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return target;
}

function fastImport(repo: string, profile: HistoryProfile): Promise<void> {
  const child = spawn('git', ['fast-import', '--quiet', '--done'], { cwd: repo, stdio: ['pipe', 'inherit', 'inherit'] });
  const exited = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`git fast-import exited with ${code}`))));
  });
  return (async () => {
    await writeHistory(profile, child.stdin);
    child.stdin.end('done\n');
    await exited;
  })();
}

/** Bytes of the repository's packs (what a full clone transfers, roughly). */
export function packBytes(repo: string): number {
  const packDir = path.join(repo, 'objects', 'pack');
  return fs
    .readdirSync(packDir)
    .filter((f) => f.endsWith('.pack'))
    .reduce((sum, f) => sum + fs.statSync(path.join(packDir, f)).size, 0);
}
