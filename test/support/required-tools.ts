/**
 * Suites that drive a real client from Debian (sshpass, skopeo, …) run only
 * where it is installed. Elsewhere they are skipped with a loud warning; under
 * CI (`CI=true`, where `.ci/run` installs them) a missing tool fails the run.
 */
import { spawnSync } from 'node:child_process';

const warned = new Set<string>();

/**
 * True when every command in `tools` is on the PATH. Otherwise warns once
 * per suite name (and returns false), or throws under CI.
 *
 * @example describe.runIf(toolsInstalled('the SSH suites', ['ssh', 'sshpass'], 'openssh-client sshpass'))(…)
 */
export function toolsInstalled(suites: string, tools: string[], debianPackages: string): boolean {
  const missing = tools.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0);
  if (missing.length === 0) return true;
  if (process.env.CI === 'true') {
    throw new Error(`${suites} need ${missing.join(', ')} in CI: apt-get install ${debianPackages} (.ci/run does)`);
  }
  if (!warned.has(suites)) {
    warned.add(suites);
    const bar = '!'.repeat(78);
    console.warn(
      ['', bar, `!!  ${missing.join(', ')} NOT INSTALLED: ${suites} are SKIPPED.`, `!!  Fix: apt-get install -y ${debianPackages}`, bar, ''].join('\n'),
    );
  }
  return false;
}
