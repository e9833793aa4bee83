import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { generateSigningKeyPair } from './signing-certificate.js';
import { parseCertificates, SigningKeyError } from './signing-key.js';
import { SigningKeyStore, type SigningKeyPaths } from './signing-key.store.js';

describe('SigningKeyStore', () => {
  let dir: string;
  let paths: SigningKeyPaths;
  const clock = new ManualClock('2031-01-01T00:00:00Z');
  const store = (): SigningKeyStore => new SigningKeyStore(paths, { clock, settleTimeoutMs: 0 });
  const bundleKeys = (): number => parseCertificates(fs.readFileSync(paths.bundleFile, 'utf8')).length;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitgate-keys-'));
    paths = { keyFile: path.join(dir, 'reg', 'k.key'), certFile: path.join(dir, 'reg', 'k.crt'), bundleFile: path.join(dir, 'bundle.crt') };
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates the key (mode 0600) and a ten-year certificate on first use, then reuses them', async () => {
    const key = await store().ensure();
    expect(fs.statSync(paths.keyFile).mode & 0o777).toBe(0o600);
    expect(key.algorithm).toBe('ES256');
    expect(key.notAfter.getUTCFullYear()).toBe(2040);
    expect(bundleKeys()).toBe(1);
    expect((await store().current()).keyId).toBe(key.keyId);
  });

  it('of several processes creating at once, one key wins and all use it', async () => {
    // The losers wait for the winner's certificate, as a second instance starting at the same time would.
    const starting = (): SigningKeyStore => new SigningKeyStore(paths, { clock, settleTimeoutMs: 5000 });
    const keys = await Promise.all([starting(), starting(), starting(), starting()].map((s) => s.current()));
    expect(new Set(keys.map((k) => k.keyId)).size).toBe(1);
    expect(fs.readdirSync(path.dirname(paths.keyFile)).sort()).toEqual(['k.crt', 'k.key']);
  });

  it('rotates in two steps: stage publishes, activate switches and keeps the previous certificate', async () => {
    const server = store();
    const cli = store();
    const first = await server.ensure();

    const staged = await cli.stage();
    expect(bundleKeys()).toBe(2);
    expect((await server.current()).keyId).toBe(first.keyId);
    await expect(cli.stage()).rejects.toThrow(/already staged/);

    await cli.activate();
    expect((await server.current()).keyId).toBe(staged.keyId);
    const bundle = fs.readFileSync(paths.bundleFile, 'utf8');
    expect(parseCertificates(bundle).map((c) => c.fingerprint256)).toEqual(
      parseCertificates(staged.chainPem + first.chainPem).map((c) => c.fingerprint256),
    );
    await expect(cli.activate()).rejects.toThrow(/no key is staged/);

    await cli.stage();
    await cli.activate({ dropPrevious: true });
    expect(bundleKeys()).toBe(1);
  });

  it('never signs with a key whose certificate does not match (an activation half done)', async () => {
    const server = store();
    const first = await server.current();
    const other = await generateSigningKeyPair({ now: clock.now(), validityDays: 1, commonName: 'x' });
    fs.writeFileSync(paths.keyFile, other.privateKeyPem);
    expect((await server.current()).keyId).toBe(first.keyId);
    // A process that never had a good key gives up once the settle time is over.
    await expect(store().current()).rejects.toThrow(/does not belong/);
    fs.writeFileSync(paths.certFile, other.certificatePem);
    expect((await server.current()).keyId).not.toBe(first.keyId);
  });

  it('refuses a key without its certificate rather than replace it', async () => {
    await store().current();
    fs.rmSync(paths.certFile);
    await expect(store().current()).rejects.toThrow(SigningKeyError);
    expect(fs.existsSync(paths.keyFile)).toBe(true);
  });
});
