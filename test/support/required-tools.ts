/**
 * Suites that drive a real client from Debian (sshpass, skopeo, …) run only
 * where it is installed. Elsewhere they are skipped with a loud warning; under
 * CI (`CI=true`, where `.ci/run` installs them) a missing tool fails the run.
 */
import { spawnSync } from 'node:child_process';

const warned = new Set<string>();

/**
 * The absolute path of `tool` on the PATH or, for servers Debian installs
 * there (nginx), in an sbin directory a normal user's PATH lacks; null when
 * there is none.
 */
export function toolPath(tool: string, options: { sbin?: boolean } = {}): string | null {
  const search = [process.env.PATH, ...(options.sbin ? ['/usr/local/sbin', '/usr/sbin', '/sbin'] : [])].filter(Boolean).join(':');
  const found = spawnSync('sh', ['-c', 'command -v "$0"', tool], { env: { PATH: search }, encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : null;
}

/**
 * True when every command in `tools` is on the PATH. Otherwise warns once
 * per suite name (and returns false), or throws under CI.
 *
 * @example describe.runIf(toolsInstalled('the SSH suites', ['ssh', 'sshpass'], 'openssh-client sshpass'))(…)
 */
export function toolsInstalled(suites: string, tools: string[], debianPackages: string): boolean {
  const missing = tools.filter((tool) => toolPath(tool) === null);
  return missing.length === 0 || missingTools(suites, missing.join(', '), debianPackages);
}

/**
 * Reports that `what` is missing for `suites`: throws under CI, else warns
 * loudly once per suite name. Returns false, for `describe.runIf`.
 */
export function missingTools(suites: string, what: string, debianPackages: string): false {
  if (process.env.CI === 'true') {
    throw new Error(`${suites} need ${what} in CI: apt-get install ${debianPackages} (.ci/run does)`);
  }
  if (!warned.has(suites)) {
    warned.add(suites);
    const bar = '!'.repeat(78);
    console.warn(['', bar, `!!  ${what} NOT INSTALLED: ${suites} are SKIPPED.`, `!!  Fix: apt-get install -y ${debianPackages}`, bar, ''].join('\n'));
  }
  return false;
}
