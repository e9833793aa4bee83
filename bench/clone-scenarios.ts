/**
 * Measurements 1, 4 and 6: clone throughput (large and small, bare and
 * normal), a push of ~20 MB of new history, and 16 concurrent small clones.
 */
import fs from 'node:fs';
import type { BenchContext } from './context.js';
import { alternate, type ResultRow } from './measure.js';
import { timed, timedConcurrently } from './run-command.js';
import type { Target } from './target.js';

/** `git clone [--bare] <url> <dest>` arguments; file:// gets --no-local so objects travel through upload-pack. */
export function cloneArgs(target: Target, project: string, dest: string, bare = true): string[] {
  return ['clone', '--quiet', ...(bare ? ['--bare'] : []), ...(target.name === 'file' ? ['--no-local'] : []), target.url(project), dest];
}

async function cloneSeconds(ctx: BenchContext, target: Target, project: string, bare: boolean): Promise<number> {
  const dest = ctx.scratch(`clone-${target.name}`);
  ctx.record('git', cloneArgs(target, project, '<dest>', bare));
  const ms = await timed('git', cloneArgs(target, project, dest, bare));
  fs.rmSync(dest, { recursive: true, force: true });
  return ms / 1000;
}

export async function cloneThroughput(ctx: BenchContext, largeMb: string, smallMb: string): Promise<ResultRow[]> {
  const all = [ctx.file, ctx.gitgate, ctx.nginx];
  const section = '1. Clone';
  ctx.log(`clone: large bare…`);
  const largeBare = await alternate(ctx.quick ? 1 : 5, all, (t) => cloneSeconds(ctx, t, 'large', true));
  ctx.log(`clone: large with checkout…`);
  const largeFull = await alternate(ctx.quick ? 1 : 3, all, (t) => cloneSeconds(ctx, t, 'large', false));
  ctx.log(`clone: small bare…`);
  const perSample = 5;
  const smallBare = await alternate(ctx.quick ? 2 : 7, all, async (t) => {
    let total = 0;
    for (let i = 0; i < perSample; i++) total += await cloneSeconds(ctx, t, 'small', true);
    return (total / perSample) * 1000;
  });
  return [
    {
      section,
      measurement: `large bare clone (${largeMb} MB pack)`,
      unit: 's',
      better: 'lower',
      values: largeBare,
      goal: 'gitgate/file ≤ 1.05, gitgate/nginx ≤ 0.95',
      met: (r) => (r.toFile ?? Infinity) <= 1.05 && (r.toNginx ?? Infinity) <= 0.95,
    },
    { section, measurement: 'large clone with checkout', unit: 's', better: 'lower', values: largeFull },
    {
      section,
      measurement: `small bare clone (${smallMb} MB; mean of ${perSample})`,
      unit: 'ms',
      better: 'lower',
      values: smallBare,
      goal: 'gitgate/nginx < 1',
      met: (r) => (r.toNginx ?? Infinity) < 1,
    },
  ];
}

/** Pushes `refs/heads/pushed` of the push source into a pristine copy of the served `push` repository. */
export async function push(ctx: BenchContext, pushSource: string, pushMb: string): Promise<ResultRow[]> {
  const served = ctx.gitgate.repos.paths.push!;
  const pristine = ctx.scratch('push-pristine');
  fs.cpSync(served, pristine, { recursive: true });
  ctx.log('push…');
  const values = await alternate(ctx.quick ? 1 : 5, [ctx.file, ctx.gitgate, ctx.nginx], async (t) => {
    fs.rmSync(served, { recursive: true, force: true });
    fs.cpSync(pristine, served, { recursive: true });
    const args = ['-C', pushSource, 'push', '--quiet', t.url('push'), 'refs/heads/pushed:refs/heads/pushed'];
    ctx.record('git', args);
    return (await timed('git', args)) / 1000;
  });
  fs.rmSync(served, { recursive: true, force: true });
  fs.cpSync(pristine, served, { recursive: true });
  return [{ section: '4. Push', measurement: `push of ${pushMb} MB of new history`, unit: 's', better: 'lower', values }];
}

export async function concurrentClones(ctx: BenchContext): Promise<ResultRow[]> {
  ctx.log('16 concurrent small clones…');
  const values = await alternate(ctx.quick ? 1 : 5, [ctx.file, ctx.gitgate, ctx.nginx], async (t) => {
    const dests = Array.from({ length: 16 }, () => ctx.scratch(`concurrent-${t.name}`));
    ctx.record('git', cloneArgs(t, 'small', '<dest-1..16>'));
    const ms = await timedConcurrently(16, (i) => ['git', cloneArgs(t, 'small', dests[i]!)]);
    for (const d of dests) fs.rmSync(d, { recursive: true, force: true });
    return ms / 1000;
  });
  return [
    {
      section: '6. Concurrency',
      measurement: '16 concurrent bare clones of the small repo, wall time',
      unit: 's',
      better: 'lower',
      values,
      goal: 'gitgate/nginx < 1',
      met: (r) => (r.toNginx ?? Infinity) < 1,
    },
  ];
}
