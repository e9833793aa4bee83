/**
 * `npm run bench:cluster`: one gitgate instance alone and the three-instance
 * cluster of `npm run test:cluster` (test/cluster/cluster.ts: PostgreSQL,
 * Redis, nginx round-robin over HTTPS) under the same loads — info/refs
 * requests/s, clones/s answered by the fetch cache (cached) and by git
 * (cold: each clone asks for another depth, so no answer is reused),
 * concurrent pushes into one instance — and what each request costs the
 * shared PostgreSQL (transactions) and Redis (commands). Every figure is
 * printed with the load average around it; the table also goes to
 * bench/results/<date>-cluster.md. Runs under vitest (its global setup finds
 * PostgreSQL and Redis), asserts nothing, and is not part of any test run.
 *
 *   npm run bench:cluster                      # ~3 minutes on 2 cores
 *   GITGATE_BENCH_SECONDS=20 npm run bench:cluster   # longer loads, steadier figures
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { inject, it } from 'vitest';
import { gitOk } from '../../test/support/git-cli.js';
import { nginxBuild } from '../../test/support/nginx.js';
import { startCluster, type Cluster } from '../../test/cluster/cluster.js';
import { gitLoad, httpLoad, type LoadResult } from './load.js';

const SECONDS = Number(process.env.GITGATE_BENCH_SECONDS ?? 8);
const rows: string[] = [];
const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');

/** Runs `measure`, recording its figure with the load average before and after. */
async function row(what: string, unit: string, measure: () => Promise<LoadResult>): Promise<LoadResult> {
  const before = load();
  const result = await measure();
  const line = `| ${what} | ${result.perSecond.toFixed(1)} ${unit} | ${result.count} ok, ${result.failures} failed | ${before} → ${load()} |`;
  rows.push(line);
  process.stdout.write(`${line}\n`);
  return result;
}

it('measures one instance and the three-instance cluster', async () => {
  const build = nginxBuild('the cluster bench');
  const redisUrl = inject('redisUrl');
  if (!build || !redisUrl) throw new Error('the cluster bench needs nginx (with its stream module) and Redis');
  const c: Cluster = await startCluster(build, redisUrl);
  try {
    const admin = { id: 0, username: '(bench)', isAdmin: true };
    const alice = await c.admin.users.create({ username: 'alice', password: 'bench-password-123', isAdmin: false });
    const owner = { id: alice.id, username: 'alice', isAdmin: false };
    const token = (await c.admin.tokens.create(admin, alice.id, { name: 'bench', scopes: ['write_repository'], expiresAt: null })).plaintext;
    const env = { GIT_SSL_CAINFO: c.cert.certificatePath };
    const work = fs.mkdtempSync(path.join(c.dir, 'work-'));
    const scratch = (i: number): string => path.join(c.dir, `clone-${i}`);
    const cleanup = (i: number): void => fs.rmSync(scratch(i), { recursive: true, force: true });
    const repoUrl = (base: string, repo: string): string => {
      const u = new URL(`${base}/alice/${repo}.git`);
      u.username = 'alice';
      u.password = token;
      return u.toString();
    };

    // A repository of about 2 MB: one incompressible file and 200 small commits.
    await c.admin.projects.create(owner, { path: 'bench', visibility: 'private' });
    await gitOk(['init', '-q', '-b', 'main', work]);
    fs.writeFileSync(path.join(work, 'blob.bin'), randomBytes(1024 * 1024));
    for (let i = 0; i < 200; i++) {
      fs.writeFileSync(path.join(work, 'log.txt'), `${i}\n`.repeat(i + 1));
      await gitOk(['-C', work, 'add', '.']);
      await gitOk(['-C', work, 'commit', '-q', '-m', `commit ${i}`]);
    }
    await gitOk(['-C', work, 'push', '-q', repoUrl(c.url, 'bench'), 'HEAD:main'], { env });

    const single = `http://127.0.0.1:${c.instances[0]!.httpPort}`;
    const basic = { authorization: `Basic ${Buffer.from(`alice:${token}`).toString('base64')}` };
    const infoRefs = (base: string, v2: boolean) =>
      httpLoad(`${base}/alice/bench.git/info/refs?service=git-upload-pack`, {
        headers: { ...basic, ...(v2 ? { 'git-protocol': 'version=2' } : {}) },
        connections: 8,
        seconds: SECONDS,
        ca: c.cert.certificatePem,
      });
    const clones = (base: string, cold: boolean) =>
      gitLoad((i) => ['clone', '-q', '--bare', ...(cold ? [`--depth=${100_000 + i}`] : []), repoUrl(base, 'bench'), scratch(i)], {
        workers: 4,
        seconds: SECONDS,
        env,
        after: cleanup,
      });
    // Warm the fetch caches of every instance.
    await gitLoad((i) => ['clone', '-q', '--bare', repoUrl(c.url, 'bench'), scratch(i)], { workers: 1, seconds: 2, env, after: cleanup });

    await row('one instance: info/refs v2, 8 connections', 'req/s', () => infoRefs(single, true));
    await row('one instance: info/refs v0, 8 connections', 'req/s', () => infoRefs(single, false));
    await row('one instance: clones (fetch cache), 4 workers', 'clones/s', () => clones(single, false));
    await row('one instance: clones (git runs: a new depth each), 4 workers', 'clones/s', () => clones(single, true));

    // Eight pushes at once into one instance, each of a new 256 KiB commit into a repository of its own.
    const pushes = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        await c.admin.projects.create(owner, { path: `push-${i}`, visibility: 'private' });
        const dir = fs.mkdtempSync(path.join(c.dir, `push-${i}-`));
        await gitOk(['clone', '-q', work, dir]);
        fs.writeFileSync(path.join(dir, 'push.bin'), randomBytes(256 * 1024));
        await gitOk(['-C', dir, 'add', '.']);
        await gitOk(['-C', dir, 'commit', '-q', '-m', 'push']);
        return dir;
      }),
    );
    await row('one instance: 8 concurrent pushes (200 commits + 256 KiB each, into empty repositories)', 'pushes/s', async () => {
      const started = performance.now();
      const results = await Promise.all(pushes.map((dir, i) => gitOk(['-C', dir, 'push', '-q', repoUrl(single, `push-${i}`), 'HEAD:main']).then(() => true, () => false)));
      const ok = results.filter(Boolean).length;
      return { perSecond: ok / ((performance.now() - started) / 1000), count: ok, failures: results.length - ok };
    });

    // The cluster, through nginx (TLS), and what it costs the shared database and Redis.
    const database = new pg.Client({ connectionString: c.env.DATABASE_URL });
    await database.connect();
    const redis = new Redis(redisUrl);
    const transactions = async (): Promise<number> =>
      Number((await database.query('select xact_commit + xact_rollback as n from pg_stat_database where datname = current_database()')).rows[0].n);
    const commands = async (): Promise<number> => Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))![1]);
    const [tx0, cmd0] = [await transactions(), await commands()];
    const v2 = await row('three instances via nginx: info/refs v2, 8 connections', 'req/s', () => infoRefs(c.url, true));
    const [tx1, cmd1] = [await transactions(), await commands()];
    rows.push(
      `| per info/refs request (cluster): PostgreSQL transactions | ${((tx1 - tx0) / v2.count).toFixed(3)} | ${tx1 - tx0} in all | |`,
      `| per info/refs request (cluster): Redis commands (whole server: other users' too) | ${((cmd1 - cmd0) / v2.count).toFixed(3)} | ${cmd1 - cmd0} in all | |`,
    );
    process.stdout.write(`${rows.slice(-2).join('\n')}\n`);
    await row('three instances via nginx: info/refs v0, 8 connections', 'req/s', () => infoRefs(c.url, false));
    await row('three instances via nginx: clones (fetch cache), 4 workers', 'clones/s', () => clones(c.url, false));
    await row('three instances via nginx: clones (git runs), 4 workers', 'clones/s', () => clones(c.url, true));
    await database.end();
    redis.disconnect();

    const report = [
      `# Cluster bench, ${new Date().toISOString()}`,
      '',
      `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; node ${process.version}; loads of ${SECONDS} s.`,
      'Everything (three instances, nginx, PostgreSQL, Redis, the load generators and git clients) shares this machine, which other work was using too: see the load averages.',
      '',
      '| measurement | figure | count | load average (1, 5, 15 min) before → after |',
      '|---|---|---|---|',
      ...rows,
      '',
    ].join('\n');
    const out = path.join('bench', 'results', `${new Date().toISOString().slice(0, 10)}-cluster.md`);
    fs.writeFileSync(out, report);
    process.stdout.write(`\nwritten to ${out}\n`);
  } finally {
    await c.close();
  }
}, 900_000);
