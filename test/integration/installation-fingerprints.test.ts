/**
 * `gitgate serve` refuses to join an installation whose database records
 * another server secret, registry signing key or set of SSH host keys (an
 * instance that would start and then fail in ways no log explains), with one
 * line naming the setting; `gitgate installation adopt` records a deliberate
 * change, after which it starts; `installation show` lists both sides.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/git-cli.js';
import { runProcess } from '../support/run-process.js';
import { BIN, serveEnv, startServe } from '../support/serve-process.js';

const FIRST = 'first-secret-of-this-installation-0123456789';
const OTHER = 'another-secret-of-another-instance-987654321';

describe('the installation fingerprints', () => {
  let base: string;
  let env: Record<string, string>;

  beforeAll(() => {
    base = tempDir('gitgate-fingerprints-');
    env = { GITGATE_DATA_DIR: path.join(base, 'data'), GITGATE_SSH_PORT: '0', GITGATE_SSH_HOST: '127.0.0.1' };
  });
  afterAll(() => {
    fs.rmSync(base, { recursive: true, force: true });
  });

  /** Starts serve with `extra`; resolves to its exit line when it refused, or null once it served (then it is stopped). */
  async function start(extra: Record<string, string>): Promise<string | null> {
    const proc = startServe(serveEnv({ ...env, ...extra }));
    const outcome = await Promise.race([proc.waitFor('gitgate is serving').then(() => 'served' as const), proc.exited]);
    if (outcome === 'served') {
      await proc.stop();
      return null;
    }
    expect(outcome.code).toBe(1);
    return proc.stderr();
  }
  const cli = (args: string[], extra: Record<string, string>) => runProcess(BIN, args, { env: serveEnv({ ...env, ...extra }) });

  it('records the first start’s values and refuses another secret, naming GITGATE_SECRET, until it is adopted', async () => {
    expect(await start({ GITGATE_SECRET: FIRST })).toBeNull();
    expect(await start({ GITGATE_SECRET: FIRST })).toBeNull();

    const refused = await start({ GITGATE_SECRET: OTHER });
    expect(refused).toMatch(
      /^gitgate: GITGATE_SECRET: this instance's server secret \(hmac:[0-9a-f]{16}\) is not the one this installation's database records \(hmac:[0-9a-f]{16}\); every instance must share it\. Give this instance the same value, or run `gitgate installation adopt` to make this one the installation's\n$/,
    );
    expect(refused).not.toContain(OTHER);
    expect(refused).not.toContain(FIRST);

    const show = await cli(['installation', 'show'], { GITGATE_SECRET: OTHER });
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/^server-secret +hmac:[0-9a-f]{16} {2}DIFFERS: recorded hmac:[0-9a-f]{16} {2}\(GITGATE_SECRET\)$/m);
    expect(show.stdout).toMatch(/^registry-signing-key +kid:\S+ {2}matches/m);
    expect(show.stdout).toMatch(/^ssh-host-keys +SHA256:\S+,SHA256:\S+ {2}matches/m);

    const adopt = await cli(['installation', 'adopt', '--only', 'server-secret'], { GITGATE_SECRET: OTHER });
    expect(adopt.code, adopt.stderr).toBe(0);
    expect(adopt.stdout).toMatch(/^recorded server-secret: hmac:[0-9a-f]{16}$/m);
    expect(await start({ GITGATE_SECRET: OTHER })).toBeNull();
    expect(await start({ GITGATE_SECRET: FIRST })).toMatch(/^gitgate: GITGATE_SECRET: /);
  }, 120_000);

  it('refuses another registry signing key and other SSH host keys, naming where they come from', async () => {
    const keys = path.join(base, 'other-registry-key');
    const otherKey = {
      GITGATE_SECRET: OTHER,
      GITGATE_REGISTRY_KEY_FILE: path.join(keys, 'key.pem'),
      GITGATE_REGISTRY_CERT_FILE: path.join(keys, 'cert.pem'),
      GITGATE_REGISTRY_CERT_BUNDLE_FILE: path.join(keys, 'bundle.pem'),
    };
    expect(await start(otherKey)).toMatch(
      new RegExp(`^gitgate: GITGATE_REGISTRY_KEY_FILE \\(${keys}/key\\.pem\\): this instance's registry token signing key \\(kid:\\S+\\) is not the one`),
    );

    // An instance that generated host keys of its own.
    const sshDir = path.join(env.GITGATE_DATA_DIR!, 'ssh');
    fs.renameSync(sshDir, `${sshDir}.kept`);
    expect(await start({ GITGATE_SECRET: OTHER })).toMatch(
      new RegExp(`^gitgate: GITGATE_DATA_DIR \\(${sshDir}\\): this instance's set of SSH host keys \\(SHA256:\\S+\\) is not the one`),
    );
    fs.rmSync(sshDir, { recursive: true });
    fs.renameSync(`${sshDir}.kept`, sshDir);
    expect(await start({ GITGATE_SECRET: OTHER })).toBeNull();
  }, 120_000);
});
