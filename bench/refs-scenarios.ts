/**
 * Measurements 2 and 3: authenticated `info/refs` under load (wrk), and
 * `git ls-remote` / a no-op `git fetch` end to end, protocol v0 and v2.
 */
import type { BenchContext } from './context.js';
import { alternate, field, type ResultRow } from './measure.js';
import { runChecked, timed } from './run-command.js';
import type { Target } from './target.js';
import { runLoad, wrkArgs, type LoadSpec } from './wrk.js';

const PROTOCOLS = [0, 2] as const;

export async function infoRefsLoad(ctx: BenchContext): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  const section = '2. info/refs load';
  const seconds = ctx.quick ? 2 : 5;
  for (const version of PROTOCOLS) {
    for (const connections of [1, 8]) {
      ctx.log(`info/refs v${version}, ${connections} connection(s)…`);
      const spec = (t: Target): LoadSpec => ({
        url: `${t.plainUrl('large')}/info/refs?service=git-upload-pack`,
        connections,
        seconds,
        headers: { Authorization: `Basic ${t.basicAuth}`, ...(version === 2 ? { 'Git-Protocol': 'version=2' } : {}) },
      });
      const samples = await alternate(ctx.quick ? 1 : 3, [ctx.gitgate, ctx.nginx], (t) => {
        ctx.record('wrk', wrkArgs(spec(t)));
        return runLoad(spec(t));
      });
      const name = `v${version}, ${connections} conn`;
      const goal = version === 0 ? 'gitgate/nginx ≥ 1.5' : 'gitgate/nginx ≫ 1.5';
      rows.push(
        {
          section,
          measurement: `${name}: requests/s`,
          unit: 'req/s',
          better: 'higher',
          values: field(samples, (s) => s.requestsPerSecond),
          goal,
          met: (r) => (r.toNginx ?? 0) >= (version === 0 ? 1.5 : 3),
        },
        { section, measurement: `${name}: p50 latency`, unit: 'ms', better: 'lower', values: field(samples, (s) => s.p50Ms) },
        { section, measurement: `${name}: p99 latency`, unit: 'ms', better: 'lower', values: field(samples, (s) => s.p99Ms) },
      );
    }
  }
  return rows;
}

export async function lsRemoteAndFetch(ctx: BenchContext): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  const section = '3. ls-remote / fetch';
  const calls = ctx.quick ? 5 : 10;
  const reps = ctx.quick ? 1 : 5;
  const all = [ctx.file, ctx.gitgate, ctx.nginx];
  const mirror = ctx.scratch('fetch-mirror');
  await runChecked('git', ['clone', '--quiet', '--bare', ctx.gitgate.repos.paths.large!, mirror]);
  const meanMs = async (args: string[]): Promise<number> => {
    ctx.record('git', args);
    let total = 0;
    for (let i = 0; i < calls; i++) total += await timed('git', args);
    return total / calls;
  };
  for (const version of PROTOCOLS) {
    ctx.log(`ls-remote and no-op fetch, v${version}…`);
    const lsRemote = await alternate(reps, all, (t) => meanMs(['-c', `protocol.version=${version}`, 'ls-remote', t.url('large')]));
    const fetch = await alternate(reps, all, (t) =>
      meanMs(['-C', mirror, '-c', `protocol.version=${version}`, 'fetch', '--quiet', t.url('large'), '+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*']),
    );
    const goal = 'gitgate/nginx < 1';
    const met = (r: { toNginx: number | null }): boolean => (r.toNginx ?? Infinity) < 1;
    rows.push(
      { section, measurement: `git ls-remote, v${version} (mean of ${calls})`, unit: 'ms', better: 'lower', values: lsRemote, goal, met },
      { section, measurement: `no-op git fetch, v${version} (mean of ${calls})`, unit: 'ms', better: 'lower', values: fetch },
    );
  }
  return rows;
}
