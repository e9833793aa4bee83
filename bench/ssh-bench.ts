/**
 * `npm run bench:ssh`: git over SSH through gitgate against plain OpenSSH
 * `sshd` running `git-upload-pack` on the same repositories, side by side
 * in one run on loopback: `git ls-remote` (v0 and v2) and bare clones of the
 * small and the large repository, and of the large one just after a push. Each sample is timed (wall, client side)
 * and charged the CPU of the server's whole process tree (gitgate + its
 * spawner helper + git; sshd + its session processes + shell + git), read
 * from /proc; the targets alternate within every repetition, order
 * rotating; medians. Then resident memory, idle and during 8 concurrent
 * large clones. Writes bench/results/<date>-ssh.md.
 *
 *   npm run bench:ssh              # 7 repetitions
 *   npm run bench:ssh -- --quick   # 2 repetitions, smaller batches
 *   npm run bench:ssh -- --compiled   # gitgate runs dist/ on plain node (npm run build first)
 *
 * Needs git, OpenSSH's client and Debian's openssh-server (/usr/sbin/sshd).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBenchRepos, packBytes } from './bench-repos.js';
import { startGatewayTarget, type GatewayTarget } from './gateway-target.js';
import { sampleWhile } from './memory-scenario.js';
import { machineDescription, spread } from './report.js';
import { runChecked, timed } from './run-command.js';
import { SSHD, startSshd, type SshdTarget } from './sshd-target.js';
import { median, table } from './stats.js';
import { settledTree, treeCpuSeconds } from './tree-cpu.js';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const CONCURRENT = 8;

/** One server as the client sees it. */
interface SshServer {
  name: 'gitgate' | 'sshd';
  url(project: string): string;
  port: number;
  /** Processes whose trees are the server. */
  roots: number[];
  /** Processes of the tree that come and go with each command (waited for before reading the CPU). */
  transient(comm: string): boolean;
}

interface Sample {
  wallMs: number;
  cpuMs: number;
}

interface Scenario {
  name: string;
  /** Commands per sample (their mean is the sample). */
  batch: number;
  /** Run before each sample, neither timed nor charged. */
  prepare?(): Promise<void>;
  run(server: SshServer, key: string): Promise<void>;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const compiled = process.argv.includes('--compiled');
  const reps = quick ? 2 : 7;
  const started = performance.now();
  const log = (line: string): void => void process.stderr.write(`[bench:ssh ${((performance.now() - started) / 1000).toFixed(0)}s] ${line}\n`);
  if (!fs.existsSync(SSHD)) throw new Error(`${SSHD} is missing: apt-get install openssh-server`);
  const loadStart = os.loadavg();
  const machine = machineDescription();
  const sources = await ensureBenchRepos(path.join(BENCH_DIR, 'work'), log);
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitgate-bench-ssh-'));
  const key = path.join(runDir, 'id_ed25519');
  await runChecked('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  const publicKey = fs.readFileSync(`${key}.pub`, 'utf8').trim();
  let gitgate: GatewayTarget | null = null;
  let sshd: SshdTarget | null = null;
  try {
    log('starting gitgate with SSH (importing the repositories)…');
    gitgate = await startGatewayTarget(
      runDir,
      { large: sources.large, small: sources.small },
      true,
      { GITGATE_SSH_PORT: '0', BENCH_SSH_PUBLIC_KEY: publicKey },
      compiled,
    );
    log('starting sshd…');
    sshd = await startSshd(runDir, publicKey);
    const g = gitgate;
    const d = sshd;
    const servers: SshServer[] = [
      {
        name: 'gitgate',
        port: g.ready.sshPort!,
        url: (project) => `ssh://${g.ready.username}@127.0.0.1:${g.ready.sshPort}/${g.ready.username}/${project}.git`,
        roots: [g.ready.pid],
        transient: (comm) => comm.startsWith('git'),
      },
      {
        name: 'sshd',
        port: d.port,
        url: (project) => `ssh://${d.user}@127.0.0.1:${d.port}${g.repos.paths[project]}`,
        roots: [d.pid],
        transient: () => true,
      },
    ];
    const scenarios = scenariosFor(runDir, quick, g.repos.paths.large!);
    // Warm the page cache, gitgate's caches and the ssh client once per server.
    for (const server of servers) for (const s of scenarios) await s.run(server, key);
    const samples = new Map<string, Map<string, Sample[]>>();
    for (const s of scenarios) {
      log(`${s.name}: ${reps} repetitions of ${s.batch}`);
      const perServer = new Map<string, Sample[]>();
      for (let rep = 0; rep < reps; rep++) {
        for (let i = 0; i < servers.length; i++) {
          const server = servers[(i + rep) % servers.length]!;
          const sample = await measure(server, s, key);
          perServer.set(server.name, [...(perServer.get(server.name) ?? []), sample]);
        }
      }
      samples.set(s.name, perServer);
    }
    const largeClone = scenarios.find((x) => x.name === 'bare clone, large repository')!;
    const memoryRows: string[][] = [];
    for (const server of servers) {
      log(`memory: ${server.name}…`);
      const target = { pids: () => server.roots };
      const idle = await sampleWhile(target, () => new Promise((resolve) => setTimeout(resolve, 500)));
      const peaks = await sampleWhile(target, () => Promise.all(Array.from({ length: CONCURRENT }, () => largeClone.run(server, key))));
      const mb = (x: number): string => x.toFixed(0);
      memoryRows.push([server.name, mb(idle.front), mb(peaks.front), mb(peaks.front - idle.front), mb(peaks.git)]);
    }
    const memory = table(
      ['server', 'idle RSS (MB)', `peak RSS, ${CONCURRENT} concurrent large SSH clones`, 'growth', 'its git processes: peak (sum of VmHWM)'],
      memoryRows,
    );
    const loadEnd = os.loadavg();
    const rows: string[][] = [];
    for (const s of scenarios) {
      const perServer = samples.get(s.name)!;
      for (const [what, pick, unit] of [
        ['wall time', (x: Sample) => x.wallMs, 'ms'],
        ['server CPU', (x: Sample) => x.cpuMs, 'ms'],
      ] as const) {
        const gv = perServer.get('gitgate')!.map(pick);
        const sv = perServer.get('sshd')!.map(pick);
        rows.push([`${s.name}: ${what}`, unit, spread(gv, unit), spread(sv, unit), `${(median(gv) / median(sv)).toFixed(2)}×`]);
      }
    }
    const result = table(['measurement (per command)', 'unit', 'gitgate SSH', 'OpenSSH sshd + git-upload-pack', 'gitgate / sshd'], rows);
    const load = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');
    const text = [
      `# SSH bench ${new Date().toISOString()} (${quick ? 'quick' : 'full'}: ${reps} repetitions${compiled ? '; gitgate from dist/' : ''})`,
      '',
      ...machine.map((l) => `- ${l}`),
      `- ${sshdVersion()}; load average at the end: ${load(loadEnd)}`,
      `- repositories: large ${(packBytes(g.repos.paths.large!) / 1e6).toFixed(1)} MB pack, small ${(packBytes(g.repos.paths.small!) / 1e6).toFixed(1)} MB pack (bench/bench-repos.ts), the same directories for both servers`,
      '- client: OpenSSH `ssh` with an ed25519 key, `-c aes128-gcm@openssh.com` for both servers, no connection sharing: every command is a new SSH connection',
      '- server CPU: user + system time of every process of the server\'s tree from /proc, reaped children included (gitgate: the gateway, its spawner helper and git; sshd: the listener, its per-connection processes, the shell and git), per command',
      '- gitgate: its caches warm (the warm-up run filled them), as for repeated CI clones of an unchanged repository, except "first after a push": a new ref (`git update-ref refs/bench/push-N HEAD`, 2.1 s before, untimed, for both servers) makes gitgate run git and keep its answer; sshd runs git-upload-pack for every command',
      '',
      result,
      '',
      `Memory (MB; gitgate: the gateway and its spawner helper, ${compiled ? 'running dist/ on plain node (`--compiled`)' : 'running the sources under tsx'}; sshd: the listener and its per-connection processes and shells; git processes apart):`,
      '',
      memory,
      '',
      '```',
      sshd.config.trim(),
      '```',
      '',
    ].join('\n');
    const resultsDir = path.join(BENCH_DIR, 'results');
    fs.mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `${new Date().toISOString().slice(0, 10)}-ssh${compiled ? '-compiled' : ''}${quick ? '-quick' : ''}.md`);
    fs.writeFileSync(file, text);
    process.stdout.write(`\n${result}\n\n${memory}\n\nload average: start ${load(loadStart)}, end ${load(loadEnd)}\nwritten to ${path.relative(process.cwd(), file)}\n`);
  } finally {
    await sshd?.stop().catch((err: unknown) => log(`stopping sshd: ${String(err)}`));
    await gitgate?.stop().catch((err: unknown) => log(`stopping gitgate: ${String(err)}`));
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}

function scenariosFor(runDir: string, quick: boolean, large: string): Scenario[] {
  let n = 0;
  let pushes = 0;
  // A new ref, as a push leaves: gitgate's kept answers no longer match. After 2.1 s the ref state is settled,
  // so gitgate's fetch cache runs git and keeps its answer (the path of the first clone after a push).
  const push = async (): Promise<void> => {
    await runChecked('git', ['--git-dir', large, 'update-ref', `refs/bench/push-${++pushes}`, 'HEAD']);
    await new Promise((resolve) => setTimeout(resolve, 2100));
  };
  const bareClone = (project: string) => async (server: SshServer, key: string) => {
    const dest = path.join(runDir, `clone-${++n}`);
    await timedGit(server, key, ['clone', '--quiet', '--bare', server.url(project), dest]);
    fs.rmSync(dest, { recursive: true, force: true });
  };
  return [
    { name: 'git ls-remote, v0 (small repository)', batch: quick ? 5 : 20, run: (s, k) => timedGit(s, k, ['-c', 'protocol.version=0', 'ls-remote', s.url('small')]) },
    { name: 'git ls-remote, v2 (small repository)', batch: quick ? 5 : 20, run: (s, k) => timedGit(s, k, ['-c', 'protocol.version=2', 'ls-remote', s.url('small')]) },
    { name: 'bare clone, small repository', batch: quick ? 2 : 5, run: bareClone('small') },
    { name: 'bare clone, large repository', batch: 1, run: bareClone('large') },
    { name: 'bare clone, large repository, first after a push', batch: 1, prepare: push, run: bareClone('large') },
  ];
}

async function timedGit(server: SshServer, key: string, args: string[]): Promise<void> {
  const ssh = `ssh -F /dev/null -p ${server.port} -i ${key} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -c aes128-gcm@openssh.com`;
  await timed('git', args, { env: { GIT_SSH_COMMAND: ssh } });
}

/** One sample: `scenario.batch` commands in a row, their mean wall time and the server's CPU per command. */
async function measure(server: SshServer, scenario: Scenario, key: string): Promise<Sample> {
  await scenario.prepare?.();
  await settledTree(server.roots, server.transient);
  const cpuBefore = treeCpuSeconds(server.roots);
  const begun = performance.now();
  for (let i = 0; i < scenario.batch; i++) await scenario.run(server, key);
  const wallMs = (performance.now() - begun) / scenario.batch;
  await settledTree(server.roots, server.transient);
  const cpuMs = ((treeCpuSeconds(server.roots) - cpuBefore) * 1000) / scenario.batch;
  return { wallMs, cpuMs };
}

function sshdVersion(): string {
  const r = spawnSync(SSHD, ['-V'], { encoding: 'utf8' });
  return `sshd: ${(r.stderr || r.stdout).trim().split('\n')[0]}`;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:ssh: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
