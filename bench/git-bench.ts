/**
 * `npm run bench`: gitgate against `git clone --no-local file://` (the limit)
 * and nginx + fcgiwrap + `git http-backend` with htpasswd Basic auth, side
 * by side in one run on loopback. Prints the ratio table and writes
 * bench/results/<date>.md (and the summary in bench/README.md).
 *
 *   npm run bench                # full run (~5 minutes on 2 cores, plus ~1 minute to generate the repositories once)
 *   npm run bench -- --quick     # one repetition each, shorter loads (~2 minutes)
 *   npm run bench -- --no-fetch-cache   # gitgate without its FetchResponseCache: every clone runs git
 *   npm run bench -- --server-cpu       # only server CPU per large clone (warm, cold, 8 concurrent) and memory (~6 minutes)
 *   npm run bench -- --compiled         # gitgate runs dist/ on plain node, as `npm start` does (npm run build first)
 *   npm run bench -- --no-ssh --no-housekeeping   # without the SSH comparison and the housekeeping scenario
 *
 * Needs git, wrk, nginx-light, fcgiwrap and apache2-utils (Debian packages).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBenchRepos, packBytes } from './bench-repos.js';
import { companionBenches } from './companion-benches.js';
import { cloneThroughput, concurrentClones, push } from './clone-scenarios.js';
import { createContext, fileTarget } from './context.js';
import { startGatewayTarget, type GatewayTarget } from './gateway-target.js';
import type { BenchResults } from './measure.js';
import { memory } from './memory-scenario.js';
import { FCGIWRAP_CHILDREN, startNginxTarget, type NginxTarget } from './nginx-target.js';
import { infoRefsLoad, lsRemoteAndFetch } from './refs-scenarios.js';
import { serverCpu } from './server-cpu-scenario.js';
import { boundsText, machineDescription, memoryTable, ratioTable, sectionsText, writeReport } from './report.js';
import { runChecked } from './run-command.js';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const fetchCache = !process.argv.includes('--no-fetch-cache');
  const onlyServerCpu = process.argv.includes('--server-cpu');
  const compiled = process.argv.includes('--compiled');
  const skipped = ['--no-ssh', '--no-housekeeping'].filter((flag) => process.argv.includes(flag));
  const started = performance.now();
  const log = (line: string): void => void process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0)}s] ${line}\n`);
  for (const tool of ['wrk', '/usr/sbin/nginx', '/usr/sbin/fcgiwrap', 'htpasswd']) {
    await runChecked('sh', ['-c', `command -v ${tool}`]).catch(() => {
      throw new Error(`${tool} is missing: apt-get install wrk nginx-light fcgiwrap apache2-utils`);
    });
  }
  const machine = machineDescription();
  const sources = await ensureBenchRepos(path.join(BENCH_DIR, 'work'), log);
  // Before this run's own servers start: the companions start theirs, and nothing else should share the machine.
  const sections = onlyServerCpu
    ? []
    : await companionBenches({ benchDir: BENCH_DIR, quick, compiled, ssh: !skipped.includes('--no-ssh'), housekeeping: !skipped.includes('--no-housekeeping'), log });
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitgate-bench-'));
  let gitgate: GatewayTarget | null = null;
  let nginx: NginxTarget | null = null;
  try {
    log('starting gitgate (importing the repositories)…');
    gitgate = await startGatewayTarget(runDir, { large: sources.large, small: sources.small, push: sources.small }, fetchCache, {}, compiled);
    log('starting nginx + fcgiwrap…');
    nginx = await startNginxTarget(runDir, gitgate.repos, gitgate.ready.username);
    const results: BenchResults = { rows: [], memory: [], commands: [], notes: [], bounds: [] };
    const ctx = createContext({ gitgate, nginx, file: fileTarget(gitgate), quick, runDir, results, log });
    const mb = (repo: string): string => (packBytes(repo) / 1e6).toFixed(1);
    const pushMb = ((packBytes(sources.pushSource) - packBytes(sources.small)) / 1e6).toFixed(0);

    // Warm the page cache and every server once, so no target pays for a cold first run.
    for (const t of [ctx.file, gitgate, nginx]) {
      const dest = ctx.scratch('warm');
      await runChecked('git', ['clone', '--quiet', '--bare', ...(t.name === 'file' ? ['--no-local'] : []), t.url('large'), dest]);
      fs.rmSync(dest, { recursive: true, force: true });
    }
    if (!onlyServerCpu) {
      results.rows.push(...(await cloneThroughput(ctx, mb(gitgate.repos.paths.large!), mb(gitgate.repos.paths.small!))));
      results.rows.push(...(await infoRefsLoad(ctx)));
      results.rows.push(...(await lsRemoteAndFetch(ctx)));
      results.rows.push(...(await push(ctx, sources.pushSource, pushMb)));
      results.rows.push(...(await concurrentClones(ctx)));
    }
    results.rows.push(...(await serverCpu(ctx)));
    results.memory.push(...(await memory(ctx)));
    results.notes.push(
      'All three targets serve the same bare repositories on disk (gitgate\'s repositories directory), repacked with a bitmap as a server\'s gc leaves them.',
      'Clones use git\'s default protocol (v2); gitgate authenticates with a personal access token, nginx with an htpasswd (APR1-MD5) password; git sends credentials after the first 401, for both.',
      `fcgiwrap runs ${FCGIWRAP_CHILDREN} preforked children; nginx \`worker_processes auto\`; gitgate runs ${compiled ? 'the compiled dist/ on plain node, as `npm start` does (`--compiled`)' : 'the sources under tsx (node --import tsx)'}, SQLite, in-process token cache, info-level JSON log to a file.`,
      'Server CPU (7.) is the user + system time of every process of each server\'s tree from /proc, reaped children included (bench/tree-cpu.ts): gitgate, its spawner helper and its git; nginx\'s master and workers, fcgiwrap and its children, http-backend and its git. The client is not counted. "Cold" is the first clone after a new ref (`git update-ref refs/bench/push-…`, 2.1 s before the clone, untimed, for both servers), so gitgate\'s fetch cache runs git and keeps the answer as it sends it.',
      fetchCache
        ? 'gitgate\'s fetch cache is on (the default): the warm-up clone fills it, so later clones of the unchanged repositories are answered from it without running git, as repeated CI clones are. `--no-fetch-cache` measures every clone running git.'
        : 'gitgate ran with `--no-fetch-cache` (GITGATE_FETCH_CACHE_MAX_BYTES=0): every clone runs git, as every clone does behind nginx.',
      `load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    );
    const repos = [
      `large: ${mb(gitgate.repos.paths.large!)} MB pack (\`${path.relative(BENCH_DIR, sources.large)}\`), generated by bench/history-generator.ts (seeded) through git fast-import`,
      `small: ${mb(gitgate.repos.paths.small!)} MB pack`,
      `push: ${pushMb} MB of new history on refs/heads/pushed, pushed into a fresh copy of small each time`,
    ];
    const file = writeReport(BENCH_DIR, {
      results,
      machine,
      mode: onlyServerCpu ? (quick ? 'server-cpu-quick' : 'server-cpu') : quick ? 'quick' : 'full',
      compiled,
      fetchCache,
      repos,
      nginxConfig: nginx.config,
      seconds: (performance.now() - started) / 1000,
      sections,
      skipped,
    });
    process.stdout.write(
      `\n${ratioTable(results.rows)}\n\n${boundsText(results.bounds)}Memory (MB):\n\n${memoryTable(results.memory)}\n\n${sectionsText(sections)}written to ${path.relative(process.cwd(), file)}\n`,
    );
  } finally {
    await nginx?.stop().catch((err: unknown) => log(`stopping nginx: ${String(err)}`));
    await gitgate?.stop().catch((err: unknown) => log(`stopping gitgate: ${String(err)}`));
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
