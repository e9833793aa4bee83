/**
 * Issue 7's verification with real parts: Debian's distribution registry
 * (2.8) trusting gitgate's `/jwt/auth`, and skopeo pushing and pulling a
 * small OCI image built here, on every database of the run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { PASSWORD, startGateway, type Gateway } from '../support/gateway.js';
import { tempDir } from '../support/git-cli.js';
import { registryToolsInstalled, startRegistryFor, type RunningRegistry } from './support/distribution.js';
import { writeOciImage, type OciImage } from './support/oci-image.js';
import { pull, push, skopeo } from './support/skopeo.js';
import { accessOf, basic, requestToken } from './support/token-client.js';

const installed = registryToolsInstalled();

describe.runIf(installed).each(databaseKinds())('container registry with gitgate tokens on %s', (kind) => {
  let gw: Gateway;
  let registry: RunningRegistry;
  let image: OciImage;
  let alice: User, bob: User, carol: User, dave: User, eve: User, frank: User;
  const tokens: Record<string, string> = {};
  const ref = (name: string): string => `${registry.host}/${name}`;

  beforeAll(async () => {
    gw = await startGateway(kind);
    registry = await startRegistryFor(gw);
    image = writeOciImage(tempDir('gitgate-oci-'), 'v1');
    [alice, bob, carol, dave, eve, frank] = await Promise.all(['alice', 'bob', 'carol', 'dave', 'eve', 'frank'].map((u) => gw.createUser(u)));
    const app = await gw.createProject(alice, 'app');
    await gw.createProject(alice, 'site', 'public');
    await gw.addMember(app, bob, 'developer');
    await gw.addMember(app, carol, 'reporter');
    await gw.addMember(app, eve, 'developer');
    await gw.addMember(app, frank, 'maintainer');
    await gw.system.twoFactor.enableNow(eve);
    const issue = async (name: string, user: User, scopes: string[]): Promise<void> => {
      tokens[name] = (await gw.createToken(user, scopes)).token;
    };
    await Promise.all([
      issue('aliceApi', alice, ['api']),
      issue('bobWrite', bob, ['write_registry']),
      issue('carolRead', carol, ['read_registry']),
      issue('daveApi', dave, ['api']),
      issue('eveRead', eve, ['read_registry']),
      issue('frankWrite', frank, ['write_registry']),
      gw.createUser('root1', { admin: true }).then((root) => issue('rootRead', root, ['read_registry'])),
    ]);
  });
  afterAll(async () => {
    await registry?.stop();
    await gw?.stop();
  });

  /** Asks gitgate for a token, then the registry with it; returns the registry's answer. */
  async function registryCall(method: string, apiPath: string, scope: string, secret: string | null): Promise<Response> {
    const answer = await requestToken(gw, { scopes: [scope], ...(secret ? { authorization: basic('x', secret) } : {}) });
    expect(answer.status).toBe(200);
    return fetch(`${registry.url}${apiPath}`, { method, headers: { authorization: `Bearer ${String(answer.body.token)}` } });
  }

  it('pushes with a write_registry token (developer) and with an api token (owner)', async () => {
    const byBob = await push(image, ref('alice/app/web:v1'), `bob:${tokens.bobWrite}`);
    expect(byBob.code, byBob.stderr).toBe(0);
    const byAlice = await push(image, ref('alice/app:latest'), `oauth2:${tokens.aliceApi}`);
    expect(byAlice.code, byAlice.stderr).toBe(0);
    const site = await push(image, ref('alice/site:v1'), `alice:${tokens.aliceApi}`);
    expect(site.code, site.stderr).toBe(0);
    const tags = await registryCall('GET', '/v2/alice/app/web/tags/list', 'repository:alice/app/web:pull', tokens.aliceApi!);
    expect(await tags.json()).toEqual({ name: 'alice/app/web', tags: ['v1'] });
  });

  it("lists the catalog for an administrator's token only", async () => {
    const byAdmin = await registryCall('GET', '/v2/_catalog', 'registry:catalog:*', tokens.rootRead!);
    expect(await byAdmin.json()).toEqual({ repositories: ['alice/app', 'alice/app/web', 'alice/site'] });
    expect((await registryCall('GET', '/v2/_catalog', 'registry:catalog:*', tokens.aliceApi!)).status).toBe(401);
  });

  it('pulls with a read_registry token (reporter): the same manifest and layer', async () => {
    const pulled = await pull(ref('alice/app/web:v1'), `carol:${tokens.carolRead}`);
    expect(pulled.code, pulled.stderr).toBe(0);
    const index = JSON.parse(fs.readFileSync(path.join(pulled.dir, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    expect(index.manifests[0]!.digest).toBe(image.manifestDigest);
    expect(fs.existsSync(path.join(pulled.dir, 'blobs', 'sha256', image.layerDigest.slice('sha256:'.length)))).toBe(true);
  });

  it('a read_registry push is refused by the registry: the token grants pull only', async () => {
    const refused = await push(image, ref('alice/app/web:v2'), `carol:${tokens.carolRead}`);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/unauthorized|denied|authentication required/i);
    const answer = await requestToken(gw, { scopes: ['repository:alice/app/web:pull,push'], authorization: basic('carol', tokens.carolRead!) });
    expect(accessOf(answer)).toEqual([{ type: 'repository', name: 'alice/app/web', actions: ['pull'] }]);
    const upload = await fetch(`${registry.url}/v2/alice/app/web/blobs/uploads/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${String(answer.body.token)}` },
    });
    expect(upload.status).toBe(401);
    expect(upload.headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/);
    const tags = await registryCall('GET', '/v2/alice/app/web/tags/list', 'repository:alice/app/web:pull', tokens.aliceApi!);
    expect(await tags.json()).toEqual({ name: 'alice/app/web', tags: ['v1'] });
  });

  it("a non-member's token cannot pull a private project's image", async () => {
    const refused = await pull(ref('alice/app/web:v1'), `dave:${tokens.daveApi}`);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/unauthorized|denied|authentication required/i);
  });

  it('anonymous pulls of a public project work; of a private one they do not', async () => {
    const pub = await pull(ref('alice/site:v1'), null);
    expect(pub.code, pub.stderr).toBe(0);
    const priv = await pull(ref('alice/app:latest'), null);
    expect(priv.code).not.toBe(0);
  });

  it('revoked and expired tokens are refused', async () => {
    const revoked = await gw.createToken(bob, ['write_registry']);
    expect((await pull(ref('alice/app/web:v1'), `bob:${revoked.token}`)).code).toBe(0);
    await gw.system.tokens.revoke({ id: bob.id, username: bob.username, isAdmin: false }, revoked.id);
    const afterRevoke = await pull(ref('alice/app/web:v1'), `bob:${revoked.token}`);
    expect(afterRevoke.code).not.toBe(0);
    expect(afterRevoke.stderr).toMatch(/unauthorized|401|access denied/i);

    const now = gw.clock.now();
    gw.clock.set(new Date(now.getTime() - 3 * 86_400_000));
    const expired = await gw.createToken(bob, ['write_registry'], { expiresAt: new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10) });
    gw.clock.set(now);
    const afterExpiry = await push(image, ref('alice/app/web:v3'), `bob:${expired.token}`);
    expect(afterExpiry.code).not.toBe(0);
    expect(afterExpiry.stderr).toMatch(/unauthorized|401|access denied/i);
  });

  it("a 2FA user's password is refused; the same user's token works", async () => {
    const password = await pull(ref('alice/app/web:v1'), `eve:${PASSWORD}`);
    expect(password.code).not.toBe(0);
    expect(password.stderr).toMatch(/unauthorized|401|access denied/i);
    const token = await pull(ref('alice/app/web:v1'), `eve:${tokens.eveRead}`);
    expect(token.code, token.stderr).toBe(0);
  });

  it('only maintainers delete: a developer is refused by the registry, a maintainer is not', async () => {
    const byDeveloper = await skopeo(['delete', '--tls-verify=false', '--creds', `bob:${tokens.bobWrite}`, `docker://${ref('alice/app:latest')}`]);
    expect(byDeveloper.code).not.toBe(0);
    const byMaintainer = await skopeo(['delete', '--tls-verify=false', '--creds', `frank:${tokens.frankWrite}`, `docker://${ref('alice/app:latest')}`]);
    expect(byMaintainer.code, byMaintainer.stderr).toBe(0);
    expect((await pull(ref('alice/app:latest'), `alice:${tokens.aliceApi}`)).code).not.toBe(0);
  });

  it('the registry finds the key by x5c alone or by kid alone, and checks issuer, audience, expiry and the key', async () => {
    const key = await gw.system.registry.keys.current();
    const { issuer, service } = gw.system.config.registry;
    const mint = (header: Record<string, unknown>, claims: Record<string, unknown> = {}, signWith = key.privateKey): Promise<string> => {
      const iat = Math.floor(Date.now() / 1000);
      return new SignJWT({ access: [{ type: 'repository', name: 'alice/site', actions: ['pull'] }], ...claims })
        .setProtectedHeader({ alg: key.algorithm, typ: 'JWT', ...header })
        .setIssuer(String(claims.iss ?? issuer))
        .setAudience(String(claims.aud ?? service))
        .setIssuedAt(iat)
        .setNotBefore(Number(claims.nbf ?? iat))
        .setExpirationTime(Number(claims.exp ?? iat + 300))
        .sign(signWith);
    };
    const status = async (token: string): Promise<number> =>
      (await fetch(`${registry.url}/v2/alice/site/tags/list`, { headers: { authorization: `Bearer ${token}` } })).status;
    const { privateKey: stranger } = await import('node:crypto').then((c) => c.generateKeyPairSync('ec', { namedCurve: 'P-256' }));
    const past = Math.floor(Date.now() / 1000) - 3600;

    expect(await status(await mint({ x5c: key.chain }))).toBe(200);
    expect(await status(await mint({ kid: key.keyId }))).toBe(200);
    expect(await status(await mint({}))).toBe(401);
    expect(await status(await mint({ kid: key.keyId }, {}, stranger))).toBe(401);
    expect(await status(await mint({ kid: key.keyId }, { iss: 'someone-else' }))).toBe(401);
    expect(await status(await mint({ kid: key.keyId }, { aud: 'other-registry' }))).toBe(401);
    expect(await status(await mint({ kid: key.keyId }, { iat: past, nbf: past, exp: past + 300 }))).toBe(401);
    // Within the registry's 60 s leeway an expired token still passes.
    const justExpired = Math.floor(Date.now() / 1000) - 30;
    expect(await status(await mint({ kid: key.keyId }, { exp: justExpired }))).toBe(200);
  });
});
