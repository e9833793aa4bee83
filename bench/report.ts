/**
 * The run's record: a Markdown results file (machine, tables, exact
 * commands, nginx configuration) and the summary in bench/README.md.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ratios, type BenchResults, type MemoryRow, type ResultRow } from './measure.js';
import { median, table } from './stats.js';

const SUMMARY_START = '<!-- bench-summary:start -->';
const SUMMARY_END = '<!-- bench-summary:end -->';

/** The hardware and software the numbers came from. */
export function machineDescription(): string[] {
  const osRelease = fs.readFileSync('/etc/os-release', 'utf8').match(/^PRETTY_NAME="?([^"\n]*)/m)?.[1] ?? os.type();
  const tools = [
    version('git', ['--version']),
    `node ${process.version}`,
    version('/usr/sbin/nginx', ['-v']),
    version('/usr/sbin/fcgiwrap', ['-h'], /fcgiwrap version [\d.]+/),
    version('wrk', ['--version'], /wrk \S+/),
  ];
  return [
    `CPU: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}; RAM ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `OS: ${osRelease}, kernel ${os.release()}`,
    tools.join('; '),
    `load average at start: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (the machine is shared: other work may run alongside)`,
  ];
}

/** The first line (or `pattern`'s match) of what `command args` prints on stdout or stderr. */
function version(command: string, args: string[], pattern?: RegExp): string {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  if (pattern) return pattern.exec(out)?.[0] ?? `${command}: unknown`;
  return out.split('\n').find((l) => l.trim())?.trim() ?? `${command}: unknown`;
}

/** `median (min–max)` with digits suited to the unit. */
export function spread(values: number[] | undefined, unit: string): string {
  if (!values || values.length === 0) return '—';
  const digits = unit === 'req/s' ? 0 : unit === 's' ? 2 : 1;
  const sorted = [...values].sort((a, b) => a - b);
  const m = median(values).toFixed(digits);
  return sorted.length === 1 ? m : `${m} (${sorted[0]!.toFixed(digits)}–${sorted.at(-1)!.toFixed(digits)})`;
}

export function ratioTable(rows: ResultRow[]): string {
  return table(
    ['measurement', 'unit', 'gitgate', 'nginx + http-backend', 'file://', 'gitgate / file://', 'gitgate / nginx', 'target', 'met'],
    rows.map((row) => {
      const r = ratios(row);
      const fmt = (x: number | null): string => (x === null ? '—' : `${x.toFixed(2)}×`);
      return [
        `${row.section}: ${row.measurement}`,
        `${row.unit} (${row.better} is better)`,
        spread(row.values.gitgate, row.unit),
        spread(row.values.nginx, row.unit),
        spread(row.values.file, row.unit),
        fmt(r.toFile),
        fmt(r.toNginx),
        row.goal ?? '',
        row.goal && row.met ? (row.met(r) ? 'yes' : '**no**') : '',
      ];
    }),
  );
}

/** The run's lower bounds as a paragraph (empty when there are none). */
export function boundsText(bounds: string[]): string {
  return bounds.length ? `${bounds.join('\n\n')}\n\n` : '';
}

export function memoryTable(rows: MemoryRow[]): string {
  const find = (scenario: string, target: string): MemoryRow | undefined => rows.find((r) => r.scenario === scenario && r.target === target);
  const scenarios = [...new Set(rows.map((r) => r.scenario))];
  const mb = (x: number | undefined): string => (x === undefined ? '—' : x.toFixed(0));
  return table(
    ['during', 'gitgate + spawner helper: idle → peak', 'gitgate: peak − idle', 'its git processes: peak (sum)', 'nginx + fcgiwrap: idle → peak', 'their git processes: peak (sum)'],
    scenarios.map((s) => {
      const g = find(s, 'gitgate');
      const n = find(s, 'nginx');
      return [
        s,
        g ? `${mb(g.idleFront)} → ${mb(g.peakFront)}` : '—',
        g ? mb(g.peakFront - g.idleFront) : '—',
        mb(g?.peakGit),
        n ? `${mb(n.idleFront)} → ${mb(n.peakFront)}` : '—',
        mb(n?.peakGit),
      ];
    }),
  );
}

/** A titled block of the report (a companion bench's table), printed as its bench printed it. */
export interface ReportSection {
  title: string;
  /** The command that measures this alone. */
  command: string;
  text: string;
}

export interface ReportInput {
  results: BenchResults;
  machine: string[];
  mode: string;
  /** Whether gitgate ran with its fetch cache (the default) or `--no-fetch-cache`. */
  fetchCache: boolean;
  /** Whether gitgate ran dist/ on plain node (`--compiled`). */
  compiled: boolean;
  repos: string[];
  nginxConfig: string;
  seconds: number;
  /** The SSH and housekeeping benches' tables, as they printed them. */
  sections: ReportSection[];
  /** The run's `--no-ssh` / `--no-housekeeping` flags, for the command line the report shows. */
  skipped: string[];
}

export function renderResults(input: ReportInput): string {
  const { results } = input;
  return `# gitgate benchmark — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC (${input.mode})

Produced by \`npm run bench${benchArgs(input)}\` in ${(input.seconds / 60).toFixed(1)} minutes.
Every line is measured in this run against baselines in this run; targets alternate within each repetition
(the order rotating); values are median (min–max) over the repetitions.

## Machine

${input.machine.map((l) => `- ${l}`).join('\n')}

## Repositories

${input.repos.map((l) => `- ${l}`).join('\n')}

## Ratios

${ratioTable(results.rows)}

${boundsText(results.bounds)}## Memory (MB, sampled from /proc every 10 ms: VmRSS of the front processes, the sum of VmHWM of the git processes alive at once)

${memoryTable(results.memory)}

${sectionsText(input.sections)}${results.notes.length ? `## Notes\n\n${results.notes.map((n) => `- ${n}`).join('\n')}\n\n` : ''}## Exact commands

Credentials are replaced by placeholders; \`$RUN\` is the run's temporary directory.

\`\`\`sh
${results.commands.join('\n')}
\`\`\`

## nginx configuration used

\`\`\`nginx
${input.nginxConfig.trim()}
\`\`\`
`;
}

/** The companion benches' sections as markdown, each under its title with the command that measures it alone. */
export function sectionsText(sections: readonly ReportSection[]): string {
  return sections.map((s) => `## ${s.title}\n\n(\`${s.command}\` measures this alone)\n\n${s.text}\n\n`).join('');
}

function benchArgs(input: ReportInput): string {
  const args = [
    ...(input.mode.startsWith('server-cpu') ? ['--server-cpu'] : []),
    ...(input.mode.endsWith('quick') ? ['--quick'] : []),
    ...(input.fetchCache ? [] : ['--no-fetch-cache']),
    ...(input.compiled ? ['--compiled'] : []),
    ...input.skipped,
  ];
  return args.length ? ` -- ${args.join(' ')}` : '';
}

/**
 * Writes `bench/results/<date>[-quick|-server-cpu[-quick]][-no-fetch-cache][-compiled].md`; full runs with
 * the fetch cache (the default configuration) also refresh the summary in
 * bench/README.md.
 */
export function writeReport(benchDir: string, input: ReportInput): string {
  const dir = path.join(benchDir, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const suffix = `${input.mode === 'full' ? '' : `-${input.mode}`}${input.fetchCache ? '' : '-no-fetch-cache'}${input.compiled ? '-compiled' : ''}`;
  const file = path.join(dir, `${new Date().toISOString().slice(0, 10)}${suffix}.md`);
  fs.writeFileSync(file, renderResults(input));
  const readme = path.join(benchDir, 'README.md');
  if (input.mode === 'full' && input.fetchCache && fs.existsSync(readme)) {
    const text = fs.readFileSync(readme, 'utf8');
    const start = text.indexOf(SUMMARY_START);
    const end = text.indexOf(SUMMARY_END);
    if (start >= 0 && end > start) {
      const summary = `${SUMMARY_START}\nLatest full run: [${path.basename(file)}](results/${path.basename(file)}) — ${input.machine[0]}.\n\n${ratioTable(input.results.rows)}\n\n${boundsText(input.results.bounds)}Memory (MB):\n\n${memoryTable(input.results.memory)}\n\n${sectionsText(input.sections).replaceAll('## ', '### ')}`;
      fs.writeFileSync(readme, text.slice(0, start) + summary + text.slice(end));
    }
  }
  return file;
}
