/**
 * Measurement 5: resident memory of the front process(es) and of the git
 * processes under them, sampled from /proc while clones run: a small clone,
 * a large clone and 8 concurrent large clones, so growth with repository
 * size (or its absence) shows.
 */
import fs from 'node:fs';
import { cloneArgs } from './clone-scenarios.js';
import type { BenchContext } from './context.js';
import type { MemoryRow } from './measure.js';
import { descendantsOf, parentMap, statusKb } from './proc.js';
import { runChecked } from './run-command.js';
import type { Target } from './target.js';

const SAMPLE_MS = 10;

export interface Peaks {
  front: number;
  git: number;
}

/** Samples the memory of `target`'s processes (the front: `pids()` and their descendants but git) until `work` settles; MB. */
export async function sampleWhile(target: Pick<Target, 'pids'>, work: () => Promise<unknown>): Promise<Peaks> {
  const peaks: Peaks = { front: 0, git: 0 };
  const sample = (): void => {
    const roots = target.pids();
    const parents = parentMap();
    let front = roots.reduce((sum, pid) => sum + statusKb(pid, 'VmRSS'), 0);
    let git = 0;
    for (const pid of descendantsOf(roots, parents)) {
      // A git process's own peak (VmHWM), so one that lives between two samples still counts.
      if (isGit(pid)) git += statusKb(pid, 'VmHWM');
      // nginx workers and fcgiwrap children; gitgate's git spawner helper (and tsx's esbuild service).
      else front += statusKb(pid, 'VmRSS');
    }
    peaks.front = Math.max(peaks.front, front / 1024);
    peaks.git = Math.max(peaks.git, git / 1024);
  };
  sample();
  const timer = setInterval(sample, SAMPLE_MS);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  sample();
  return peaks;
}

function isGit(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'latin1').startsWith('git');
  } catch {
    return false;
  }
}

export async function memory(ctx: BenchContext): Promise<MemoryRow[]> {
  const rows: MemoryRow[] = [];
  const concurrent = 8;
  for (const target of [ctx.gitgate, ctx.nginx]) {
    ctx.log(`memory: ${target.name}…`);
    const idle = await sampleWhile(target, () => new Promise((r) => setTimeout(r, 500)));
    const clone = async (project: string, count: number): Promise<void> => {
      const dests = Array.from({ length: count }, () => ctx.scratch(`memory-${target.name}`));
      ctx.record('git', cloneArgs(target, project, '<dest>'));
      await Promise.all(dests.map((d) => runChecked('git', cloneArgs(target, project, d))));
      for (const d of dests) fs.rmSync(d, { recursive: true, force: true });
    };
    const scenarios: Array<[string, () => Promise<void>]> = [
      ['small bare clone', () => clone('small', 1)],
      ['large bare clone', () => clone('large', 1)],
      [`${concurrent} concurrent large bare clones`, () => clone('large', concurrent)],
    ];
    for (const [scenario, work] of scenarios) {
      const peaks = await sampleWhile(target, work);
      rows.push({ scenario, target: target.name, idleFront: idle.front, peakFront: peaks.front, peakGit: peaks.git });
    }
  }
  return rows;
}
