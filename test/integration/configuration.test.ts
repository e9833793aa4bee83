/**
 * The configuration is checked as a whole — every invalid variable is
 * reported at once, not one per attempt — and checking it never keeps
 * `--help` from working.
 */
import { describe, expect, it } from 'vitest';
import { runProcess } from '../support/run-process.js';
import { BIN, serveEnv } from '../support/serve-process.js';

const INVALID = { PORT: 'eighty', GITGATE_SECRET: 'short', GITGATE_TRUSTED_PROXIES: 'proxy.example' };

describe('the configuration at start', () => {
  it('lists every invalid setting at once', async () => {
    const result = await runProcess(BIN, ['serve'], { env: serveEnv(INVALID) });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      'gitgate: invalid configuration (3 problems):',
      '  PORT Invalid input: expected number, received NaN',
      '  GITGATE_SECRET must be at least 32 characters',
      '  GITGATE_TRUSTED_PROXIES must be a comma-separated list of IP addresses or CIDRs',
    ]);
  });

  it.each([[['--help']], [['serve', '--help']], [['token', 'create', '--help']]])('answers %j whatever the environment holds', async (args) => {
    const result = await runProcess(BIN, args, { env: serveEnv(INVALID) });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Usage: gitgate/);
  });
});
