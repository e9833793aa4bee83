/**
 * `npm run bench:push-protection`: what secret push protection costs a
 * push. Two gitgate processes serve the same copy of the small bench
 * repository, one with GITGATE_SECRET_PUSH_PROTECTION on (the default) and
 * one with it off; each repetition pushes the bench's ~20 MB of new history
 * to both (order alternating) into a fresh copy. The table gives the
 * medians, their ratio, and the median of the ratios pair by pair (one
 * repetition's on/off): the shared machine's speed drifts between
 * repetitions far more than the scan costs, and a pair is measured within
 * a second. The target (issue 17): at most 1.10.
 *
 *   npm run bench:push-protection            # 21 repetitions
 *   npm run bench:push-protection -- --quick # 2
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBenchRepos, packBytes } from './bench-repos.js';
import { startGatewayTarget, type GatewayTarget } from './gateway-target.js';
import { machineDescription } from './report.js';
import { timed } from './run-command.js';
import { median, table } from './stats.js';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));

async function main(): Promise<void> {
  const repetitions = process.argv.includes('--quick') ? 2 : 21;
  const machine = machineDescription();
  const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);
  const sources = await ensureBenchRepos(path.join(BENCH_DIR, 'work'), log);
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitgate-bench-push-'));
  const targets: Array<{ name: string; gateway: GatewayTarget }> = [];
  try {
    for (const [name, value] of [['on', 'true'], ['off', 'false']] as const) {
      const dir = path.join(runDir, name);
      fs.mkdirSync(dir);
      log(`starting gitgate with push protection ${name}…`);
      targets.push({ name, gateway: await startGatewayTarget(dir, { push: sources.small }, true, { GITGATE_SECRET_PUSH_PROTECTION: value }) });
    }
    const pristine = path.join(runDir, 'pristine.git');
    fs.cpSync(sources.small, pristine, { recursive: true });
    const seconds: Record<string, number[]> = { on: [], off: [] };
    for (let i = 0; i < repetitions; i++) {
      const order = i % 2 === 0 ? targets : [...targets].reverse();
      for (const { name, gateway } of order) {
        const served = gateway.repos.paths.push!;
        fs.rmSync(served, { recursive: true, force: true });
        fs.cpSync(pristine, served, { recursive: true });
        const ms = await timed('git', ['-C', sources.pushSource, 'push', '--quiet', gateway.url('push'), 'refs/heads/pushed:refs/heads/pushed']);
        seconds[name]!.push(ms / 1000);
        log(`push ${i + 1}/${repetitions}, protection ${name}: ${(ms / 1000).toFixed(2)} s`);
      }
    }
    const on = median(seconds.on!);
    const off = median(seconds.off!);
    const pairs = seconds.on!.map((s, i) => s / seconds.off![i]!);
    const paired = median(pairs);
    const mb = ((packBytes(sources.pushSource) - packBytes(sources.small)) / 1e6).toFixed(0);
    const fmt = (v: number[]): string => `${median(v).toFixed(2)} s (${Math.min(...v).toFixed(2)}–${Math.max(...v).toFixed(2)})`;
    process.stdout.write(
      [
        `# Secret push protection: push of ${mb} MB of new history, ${repetitions} repetitions, medians (min–max)`,
        '',
        ...machine,
        `load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
        '',
        table(
          ['protection on', 'protection off', 'on/off of the medians', 'on/off pair by pair: median (min–max)'],
          [[fmt(seconds.on!), fmt(seconds.off!), `${(on / off).toFixed(3)}×`, `${paired.toFixed(3)}× (${Math.min(...pairs).toFixed(2)}–${Math.max(...pairs).toFixed(2)})`]],
        ),
        '',
        `target: on/off ≤ 1.10 — pair by pair ${paired <= 1.1 ? 'met' : 'not met'}, of the medians ${on / off <= 1.1 ? 'met' : 'not met'}`,
        '',
      ].join('\n'),
    );
  } finally {
    for (const { gateway } of targets) await gateway.stop();
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
