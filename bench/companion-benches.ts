/**
 * The measurements of `npm run bench` that have benches of their own: the
 * SSH comparison (bench:ssh, gitgate against OpenSSH's sshd) and the
 * housekeeping scenario (bench:housekeeping). Each runs as its own process,
 * as its own command would, and its printed table becomes a section of the
 * report; a bench that cannot run here is a section saying why.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { ReportSection } from './report.js';
import { SSHD } from './sshd-target.js';

export interface CompanionOptions {
  benchDir: string;
  quick: boolean;
  compiled: boolean;
  ssh: boolean;
  housekeeping: boolean;
  log: (line: string) => void;
}

/** Runs the companion benches one after the other; a failed one is reported in its section, not thrown. */
export async function companionBenches(options: CompanionOptions): Promise<ReportSection[]> {
  const sections: ReportSection[] = [];
  if (options.ssh) {
    const args = [...(options.quick ? ['--quick'] : []), ...(options.compiled ? ['--compiled'] : [])];
    sections.push(
      fs.existsSync(SSHD)
        ? await run(options, 'Git over SSH: gitgate against OpenSSH sshd', 'ssh-bench.ts', 'bench:ssh', args)
        : { title: 'Git over SSH', command: 'npm run bench:ssh', text: `not measured: ${SSHD} is missing (apt-get install openssh-server)` },
    );
  }
  if (options.housekeeping) {
    const args = options.quick ? ['--pushes', '300', '--reps', '3'] : [];
    sections.push(await run(options, 'Housekeeping: a repository built by small pushes, before and after', 'housekeeping-bench.ts', 'bench:housekeeping', args));
  }
  return sections;
}

async function run(options: CompanionOptions, title: string, script: string, npmScript: string, args: string[]): Promise<ReportSection> {
  const command = `npm run ${npmScript}${args.length ? ` -- ${args.join(' ')}` : ''}`;
  options.log(`${command} (its own servers)…`);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(options.benchDir, script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const printed = out
    .split('\n')
    .filter((line) => !line.startsWith('written to '))
    .join('\n')
    .trim();
  return { title, command, text: code === 0 ? printed : `not measured: \`${command}\` exited with ${code} (its log is above in the run's output)` };
}
