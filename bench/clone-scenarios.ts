/**
 * Measurements 1, 4 and 6: clone throughput (large and small, bare and
 * normal), a push of ~20 MB of new history, and 16 concurrent small clones.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BenchContext } from './context.js';
import { alternate, type ResultRow } from './measure.js';
import { runChecked, timed, timedConcurrently } from './run-command.js';
import { spread } from './report.js';
import { median } from './stats.js';
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

/** A bare clone of `project` (`dir`) and the pack it received (index-pack --stdin stores it as it came). */
async function receivedPack(ctx: BenchContext, project: string): Promise<{ dir: string; pack: string }> {
  const dir = ctx.scratch('received-pack');
  await runChecked('git', cloneArgs(ctx.file, project, dir));
  const packDir = path.join(dir, 'objects', 'pack');
  return { dir, pack: path.join(packDir, fs.readdirSync(packDir).find((f) => f.endsWith('.pack'))!) };
}

/** The client's own work on `pack` with no server and no transport: `git index-pack --stdin` from a file into an empty repository, as a clone runs it. */
async function indexPackSeconds(ctx: BenchContext, pack: string): Promise<number> {
  const dest = ctx.scratch('index-pack');
  await runChecked('git', ['init', '--quiet', '--bare', dest]);
  const ms = await timed('git', ['-C', dest, 'index-pack', '--stdin', '--fix-thin'], { stdinFile: pack });
  fs.rmSync(dest, { recursive: true, force: true });
  return ms / 1000;
}

export async function cloneThroughput(ctx: BenchContext, largeMb: string, smallMb: string): Promise<ResultRow[]> {
  const all = [ctx.file, ctx.gitgate, ctx.nginx];
  const section = '1. Clone';
  ctx.log(`clone: large bare…`);
  const received = await receivedPack(ctx, 'large');
  ctx.results.commands.push(`git -C '<empty bare repository>' index-pack --stdin --fix-thin < '<the pack of one bare clone of large>'`);
  const floor: number[] = [];
  const largeBare = await alternate(ctx.quick ? 1 : 7, all, async (t, rep) => {
    const seconds = await cloneSeconds(ctx, t, 'large', true);
    // Once per repetition, after its last clone: the bound alternates with the clones it bounds.
    if (t === all[(rep + all.length - 1) % all.length]) floor.push(await indexPackSeconds(ctx, received.pack));
    return seconds;
  });
  fs.rmSync(received.dir, { recursive: true, force: true });
  const over = (values: number[] | undefined): string => (values ? `${(median(values) / median(floor)).toFixed(2)}×` : '—');
  ctx.results.bounds.push(
    `**The client's own work bounds the large clone:** \`git index-pack --stdin\` of the same pack, read from a file with no server and no transport, took ${spread(floor, 's')} s, measured once per repetition between the clones. ` +
      `The large bare clones took ${over(largeBare.gitgate)} of that through gitgate, ${over(largeBare.nginx)} through nginx + http-backend and ${over(largeBare.file)} through file://.`,
  );
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
