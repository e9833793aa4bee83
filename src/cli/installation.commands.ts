import type { Command } from 'commander';
import type { FingerprintComparison } from '../setup/installation-fingerprints.js';
import { UsageError, type WithSystem } from './cli-context.js';

const NAMES = ['server-secret', 'registry-signing-key', 'ssh-host-keys'];

/**
 * `gitgate installation show|adopt`: the fingerprints of what every
 * instance must share (server secret, registry signing key, SSH host keys),
 * as the database records them and as this configuration has them. `serve`
 * refuses to start when they differ; `adopt` records this configuration's
 * values after a deliberate change (then give every instance the same).
 */
export function registerInstallationCommands(program: Command, withSystem: WithSystem): void {
  const installation = program.command('installation').description('what every instance of this installation must share');
  installation
    .command('show')
    .description('print the recorded fingerprints beside this configuration’s')
    .action(() =>
      withSystem(async (s) => {
        const rows = await s.installation.compare();
        process.stdout.write(`${rows.map(line).join('\n')}\n`);
      }),
    );
  installation
    .command('adopt')
    .description('record this configuration’s secret, registry key and SSH host keys as the installation’s (after a deliberate change)')
    .option('--only <names>', 'comma-separated: server-secret, registry-signing-key, ssh-host-keys')
    .action((opts: { only?: string }) =>
      withSystem(async (s) => {
        const names = opts.only?.split(',').map((n) => n.trim());
        const unknown = names?.filter((n) => !NAMES.includes(n)) ?? [];
        if (unknown.length > 0) throw new UsageError(`--only: unknown name ${unknown.join(', ')} (one of ${NAMES.join(', ')})`);
        const adopted = await s.installation.adopt(names);
        process.stdout.write(`${adopted.map((f) => `recorded ${f.name}: ${f.value}`).join('\n')}\n`);
        process.stdout.write('every instance must now have these values: the others refuse to start until they do\n');
      }),
    );
}

function line(row: FingerprintComparison): string {
  const state = row.recorded === null ? 'not recorded yet' : row.recorded === row.value ? 'matches' : `DIFFERS: recorded ${row.recorded}`;
  return `${row.name.padEnd(21)} ${row.value}  ${state}  (${row.setting})`;
}
