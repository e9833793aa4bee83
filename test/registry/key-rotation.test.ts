/**
 * Rotating the token signing key against a real registry, driven by the CLI
 * in another process as an operator would: stage, restart the registry,
 * activate; no token is refused on the way, old ones included.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../support/gateway.js';
import { tempDir } from '../support/git-cli.js';
import { registryToolsInstalled, startRegistryFor, type RunningRegistry } from './support/distribution.js';
import { writeOciImage } from './support/oci-image.js';
import { pull, push } from './support/skopeo.js';
import { basic, requestToken } from './support/token-client.js';

const run = promisify(execFile);
const BIN = path.resolve('test/support/gitgate-source');

describe.runIf(registryToolsInstalled())('registry signing key rotation', () => {
  let gw: Gateway;
  let registry: RunningRegistry;
  let creds: string;

  beforeAll(async () => {
    gw = await startGateway('sqlite');
    registry = await startRegistryFor(gw);
    const alice = await gw.createUser('alice');
    await gw.createProject(alice, 'app');
    creds = (await gw.createToken(alice, ['api'])).token;
    const pushed = await push(writeOciImage(tempDir('gitgate-oci-'), 'v1'), `${registry.host}/alice/app:v1`, `alice:${creds}`);
    expect(pushed.code, pushed.stderr).toBe(0);
  });
  afterAll(async () => {
    await registry?.stop();
    await gw?.stop();
  });

  const cli = async (...args: string[]): Promise<string> =>
    (await run(BIN, ['registry', ...args], { env: { ...process.env, ...gw.env } })).stdout;
  const token = async (): Promise<{ token: string; kid: unknown }> => {
    const answer = await requestToken(gw, { scopes: ['repository:alice/app:pull'], authorization: basic('alice', creds) });
    return { token: String(answer.body.token), kid: answer.jwt!.header.kid };
  };
  const accepted = async (bearer: string): Promise<number> =>
    (await fetch(`${registry.url}/v2/alice/app/tags/list`, { headers: { authorization: `Bearer ${bearer}` } })).status;

  it('stage → restart the registry → activate: the new key signs, tokens of the old one stay valid', async () => {
    const before = await token();
    expect(await accepted(before.token)).toBe(200);

    const staged = await cli('rotate-key');
    const stagedKid = /^staged: +kid (\S+)/m.exec(staged)?.[1];
    expect(stagedKid).toBeTruthy();
    expect((await token()).kid).toBe(before.kid);

    await registry.restart();
    expect(await accepted(before.token)).toBe(200);

    expect(await cli('activate-key')).toContain(`kid ${stagedKid}`);
    const after = await token();
    expect(after.kid).toBe(stagedKid);
    expect(await accepted(after.token)).toBe(200);
    expect(await accepted(before.token)).toBe(200);
    const pulled = await pull(`${registry.host}/alice/app:v1`, `alice:${creds}`);
    expect(pulled.code, pulled.stderr).toBe(0);
  });

  it('activating without a registry restart locks the new key out; --drop-previous locks the old one out after it', async () => {
    const old = await token();
    await cli('rotate-key');
    await cli('activate-key', '--drop-previous');
    const fresh = await token();
    expect(await accepted(fresh.token)).toBe(401);
    await registry.restart();
    expect(await accepted(fresh.token)).toBe(200);
    expect(await accepted(old.token)).toBe(401);
  });

  it('answers a second rotate-key with one line and exit status 2', async () => {
    await cli('rotate-key');
    const second = await run(BIN, ['registry', 'rotate-key'], { env: { ...process.env, ...gw.env } }).catch((err: { code: number; stderr: string }) => err);
    expect(second).toMatchObject({ code: 2, stderr: 'gitgate: a new key is already staged: run `gitgate registry activate-key` first\n' });
  });
});
