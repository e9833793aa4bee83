/**
 * Measurement 7: server CPU per bare clone of the large repository, charged
 * to each server's whole process tree (gitgate, its spawner helper and every
 * git it ran; nginx's master and workers, fcgiwrap and its children,
 * http-backend and its git) — the client is not counted. As root, each tree
 * is put in a cpuacct cgroup of its own (bench/cgroup-cpu.ts), which also
 * counts the CGI processes fcgiwrap never waits for; otherwise the /proc sum
 * of bench/tree-cpu.ts, which misses those (the report says which was used).
 * Three cases, the targets alternating, the order rotating:
 *
 * - warm: gitgate's fetch cache holds the answer (as for repeated CI clones);
 * - cold: the first clone after a new ref (a push's effect; settled for
 *   2.1 s, untimed, on the repository both servers serve), so gitgate's
 *   fetch cache runs git and keeps the answer while it sends it;
 * - 8 concurrent clones (warm): wall time and server CPU of the whole batch.
 */
import fs from 'node:fs';
import { cpuAccount, type CpuAccount } from './cgroup-cpu.js';
import { cloneArgs } from './clone-scenarios.js';
import type { BenchContext } from './context.js';
import { alternate, field, type ResultRow } from './measure.js';
import { runChecked } from './run-command.js';
import type { Target } from './target.js';
import { settledTree, treeCpuSeconds } from './tree-cpu.js';

/** Clones in the fan-out sample. */
export const FAN_OUT = 8;

interface Sample {
  wallSeconds: number;
  cpuSeconds: number;
}

const isGit = (comm: string): boolean => comm.startsWith('git');

/** A server's CPU seconds so far: its cgroup's when it has one, else its /proc tree's. */
type CpuClock = (target: Target) => number;

/** `count` concurrent bare clones of `large` through `target`: wall time and the server's CPU. */
async function clonesCharged(ctx: BenchContext, cpuOf: CpuClock, target: Target, count: number): Promise<Sample> {
  const roots = target.pids();
  const dests = Array.from({ length: count }, () => ctx.scratch(`cpu-${target.name}`));
  ctx.record('git', cloneArgs(target, 'large', '<dest>'));
  await settledTree(roots, isGit);
  const cpuBefore = cpuOf(target);
  const started = performance.now();
  await Promise.all(dests.map((d) => runChecked('git', cloneArgs(target, 'large', d))));
  const wallSeconds = (performance.now() - started) / 1000;
  await settledTree(roots, isGit);
  const cpuSeconds = cpuOf(target) - cpuBefore;
  for (const d of dests) fs.rmSync(d, { recursive: true, force: true });
  return { wallSeconds, cpuSeconds };
}

export async function serverCpu(ctx: BenchContext): Promise<ResultRow[]> {
  const targets = [ctx.gitgate, ctx.nginx];
  const accounts = new Map<string, CpuAccount>();
  for (const t of targets) {
    const account = cpuAccount(t.name, t.pids());
    if (account) accounts.set(t.name, account);
  }
  try {
    const cgroups = accounts.size === targets.length;
    if (!cgroups) {
      for (const account of accounts.values()) account.remove();
      accounts.clear();
    }
    ctx.results.notes.push(
      cgroups
        ? 'Server CPU (7.) was read from a cpuacct cgroup per server (bench/cgroup-cpu.ts), holding every process of its tree and all they forked.'
        : 'Server CPU (7.) was read from /proc (not root, or no cgroup v1 cpuacct): it misses the CGI processes fcgiwrap lets the kernel reap, so nginx\'s figures leave out http-backend and its git.',
    );
    const cpuOf: CpuClock = cgroups ? (t) => accounts.get(t.name)!.seconds() : (t) => treeCpuSeconds(t.pids());
    return await measureServerCpu(ctx, cpuOf);
  } finally {
    for (const account of accounts.values()) account.remove();
  }
}

async function measureServerCpu(ctx: BenchContext, cpuOf: CpuClock): Promise<ResultRow[]> {
  const section = '7. Server CPU';
  const targets = [ctx.gitgate, ctx.nginx];
  const large = ctx.gitgate.repos.paths.large!;
  let pushes = 0;
  // A new ref, as a push leaves; after 2.1 s the ref state is settled (older than git's racy window),
  // so gitgate's fetch cache runs git for the next clone and keeps its answer.
  const newRefState = async (): Promise<void> => {
    const args = ['--git-dir', large, 'update-ref', `refs/bench/push-${Date.now()}-${++pushes}`, 'HEAD'];
    ctx.record('git', args);
    await runChecked('git', args);
    await new Promise((resolve) => setTimeout(resolve, 2100));
  };

  ctx.log('server CPU: cold large clones (first after a new ref)…');
  const cold = await alternate(ctx.quick ? 2 : 5, targets, async (t) => {
    await newRefState();
    return clonesCharged(ctx, cpuOf, t, 1);
  });
  ctx.log('server CPU: warm large clones…');
  for (const t of targets) await clonesCharged(ctx, cpuOf, t, 1);
  const warm = await alternate(ctx.quick ? 2 : 5, targets, (t) => clonesCharged(ctx, cpuOf, t, 1));
  ctx.log(`server CPU: ${FAN_OUT} concurrent large clones…`);
  const fanOut = await alternate(ctx.quick ? 1 : 3, targets, (t) => clonesCharged(ctx, cpuOf, t, FAN_OUT));
  const cpu = (s: Sample): number => s.cpuSeconds;
  return [
    {
      section,
      measurement: 'large bare clone, kept answer (warm): server CPU',
      unit: 's',
      better: 'lower',
      values: field(warm, cpu),
      goal: 'gitgate/nginx ≤ 0.1',
      met: (r) => (r.toNginx ?? Infinity) <= 0.1,
    },
    {
      section,
      measurement: 'large bare clone, first after a push (cold): server CPU',
      unit: 's',
      better: 'lower',
      values: field(cold, cpu),
      goal: 'gitgate/nginx ≤ 1.0',
      met: (r) => (r.toNginx ?? Infinity) <= 1.0,
    },
    { section, measurement: 'large bare clone, first after a push (cold): wall time', unit: 's', better: 'lower', values: field(cold, (s) => s.wallSeconds) },
    { section, measurement: `${FAN_OUT} concurrent large bare clones (warm): wall time`, unit: 's', better: 'lower', values: field(fanOut, (s) => s.wallSeconds) },
    { section, measurement: `${FAN_OUT} concurrent large bare clones (warm): server CPU`, unit: 's', better: 'lower', values: field(fanOut, cpu) },
  ];
}
