/**
 * `npm run bench:housekeeping`: what housekeeping buys a repository built
 * by many small pushes. One gitgate (fetch cache off: every clone is cold,
 * runs git) serves three copies of the same repository side by side —
 * as pushed (loose objects, a pack per larger push), after an incremental
 * run and after a full run (RepositoryMaintenance, the code gitgate runs)
 * — and bare clones of the three alternate, the order rotating, within
 * every repetition. For each: clone wall time and server CPU (the gateway's
 * whole process tree: node, the spawner, git), medians and ratios to the
 * repository as pushed, the load average before and after.
 *
 *   npm run bench:housekeeping                       # 1,000 pushes, 7 repetitions
 *   npm run bench:housekeeping -- --pushes 300 --reps 3
 *   nice -n 10 npm run bench:housekeeping            # on a shared machine
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_GIT_PATH } from '../src/git/git-env.js';
import { RepositoryMaintenance, type MaintenanceReport } from '../src/git/repository-maintenance.js';
import { startGatewayTarget, type GatewayTarget } from './gateway-target.js';
import { gitSettled, treeCpuSeconds } from './process-cpu.js';
import { ensurePushedRepository } from './pushed-repository.js';
import { runChecked } from './run-command.js';
import { median, table } from './stats.js';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const STATES = ['pushed', 'incremental', 'full'] as const;
type State = (typeof STATES)[number];

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} takes a positive whole number`);
  return value;
}

const loadAverage = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const pushes = option('pushes', 1000);
  const reps = option('reps', 7);
  const log = (line: string): void => void process.stderr.write(`[bench:housekeeping] ${line}\n`);
  const loadBefore = loadAverage();
  const workDir = path.join(BENCH_DIR, 'work');
  fs.mkdirSync(workDir, { recursive: true });
  const built = await ensurePushedRepository(workDir, pushes, log);
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitgate-bench-hk-'));
  let gitgate: GatewayTarget | null = null;
  try {
    log('starting gitgate (fetch cache off)…');
    gitgate = await startGatewayTarget(runDir, { pushed: built, incremental: built, full: built }, false);
    const served = gitgate.ready.repos as Record<State, string>;
    // The gateway imports through the RepositoryStore, which repacks: put the pushed layout back in each copy.
    for (const state of STATES) {
      fs.rmSync(served[state], { recursive: true, force: true });
      fs.cpSync(built, served[state], { recursive: true });
    }
    const maintenance = new RepositoryMaintenance({ gitBin: 'git', envPath: DEFAULT_GIT_PATH, homeDir: os.tmpdir() });
    const reports: Partial<Record<State, MaintenanceReport>> = {};
    const runCpu: Partial<Record<State, number>> = {};
    for (const state of ['incremental', 'full'] as const) {
      const before = childrenCpu();
      reports[state] = await maintenance.run(served[state], state);
      runCpu[state] = childrenCpu() - before;
    }
    const counts = Object.fromEntries(STATES.map((s) => [s, maintenance.counts(served[s])])) as Record<State, { packs: number; looseObjects: number }>;

    const wall: Record<State, number[]> = { pushed: [], incremental: [], full: [] };
    const cpu: Record<State, number[]> = { pushed: [], incremental: [], full: [] };
    const clone = async (state: State): Promise<void> => {
      const dest = path.join(runDir, `clone-${state}`);
      await gitSettled(gitgate!.ready.pid);
      const cpuBefore = treeCpuSeconds(gitgate!.ready.pid);
      const started = performance.now();
      await runChecked('git', ['clone', '--quiet', '--bare', gitgate!.url(state), dest]);
      wall[state].push(performance.now() - started);
      await gitSettled(gitgate!.ready.pid);
      cpu[state].push(treeCpuSeconds(gitgate!.ready.pid) - cpuBefore);
      fs.rmSync(dest, { recursive: true, force: true });
    };
    log('warming up (one clone of each)…');
    for (const state of STATES) await clone(state);
    for (const state of STATES) {
      wall[state] = [];
      cpu[state] = [];
    }
    for (let rep = 0; rep < reps; rep++) {
      log(`repetition ${rep + 1} of ${reps}`);
      for (let i = 0; i < STATES.length; i++) await clone(STATES[(rep + i) % STATES.length]!);
    }
    const loadAfter = loadAverage();

    const ms = (v: number): string => v.toFixed(0);
    const s = (v: number): string => v.toFixed(3);
    const range = (values: number[], f: (v: number) => string): string => `${f(median(values))} (${f(Math.min(...values))}–${f(Math.max(...values))})`;
    const rows = STATES.map((state) => [
      state === 'pushed' ? `as pushed (${pushes} pushes)` : `after ${state} housekeeping`,
      `${counts[state].packs} / ${counts[state].looseObjects}`,
      range(wall[state], ms),
      state === 'pushed' ? '1.00×' : `${(median(wall[state]) / median(wall.pushed)).toFixed(2)}×`,
      range(cpu[state], s),
      state === 'pushed' ? '1.00×' : `${(median(cpu[state]) / median(cpu.pushed)).toFixed(2)}×`,
      state === 'pushed' ? '—' : `${(reports[state]!.durationMs / 1000).toFixed(1)} s / ${runCpu[state]!.toFixed(1)} s`,
    ]);
    const out = [
      `Housekeeping: cold bare clone through gitgate (fetch cache off), median (min–max) of ${reps}, the three alternating`,
      `repository: first push of 400 files, then ${pushes} pushes of one changed file (every other one kept as its own pack)`,
      '',
      table(['repository', 'packs / loose objects', 'clone wall ms', 'wall ratio', 'server CPU s', 'CPU ratio', 'housekeeping run: wall / CPU'], rows),
      '',
      `load average (1, 5, 15 min): ${loadBefore} before, ${loadAfter} after; ${os.cpus().length} CPUs`,
    ].join('\n');
    process.stdout.write(`${out}\n`);
  } finally {
    await gitgate?.stop();
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}

/** CPU seconds of this process's reaped children (the git commands housekeeping ran). */
function childrenCpu(): number {
  const stat = fs.readFileSync('/proc/self/stat', 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:housekeeping: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
