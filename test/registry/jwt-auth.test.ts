/**
 * The token endpoint over HTTP, on every database of the run: what docker
 * login, pulls and pushes get back, and how bad requests are answered.
 * (test/registry/registry-e2e.test.ts shows a real registry accepting it.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { PASSWORD, startGateway, type Gateway } from '../support/gateway.js';
import { accessOf, basic, requestToken } from './support/token-client.js';

describe.each(databaseKinds())('GET /jwt/auth on %s', (kind) => {
  let gw: Gateway;
  let alice: User, bob: User, carol: User, eve: User;
  let aliceApi: string, bobWrite: string, carolRead: string, carolRepo: string;

  beforeAll(async () => {
    gw = await startGateway(kind);
    [alice, bob, carol, eve] = await Promise.all(['alice', 'bob', 'carol', 'eve'].map((u) => gw.createUser(u)));
    const app = await gw.createProject(alice, 'app');
    await gw.createProject(alice, 'site', 'public');
    await gw.addMember(app, bob, 'developer');
    await gw.addMember(app, carol, 'reporter');
    await gw.addMember(app, eve, 'developer');
    await gw.system.twoFactor.enableNow(eve);
    [aliceApi, bobWrite, carolRead, carolRepo] = (
      await Promise.all([
        gw.createToken(alice, ['api']),
        gw.createToken(bob, ['write_registry']),
        gw.createToken(carol, ['read_registry']),
        gw.createToken(carol, ['read_repository']),
      ])
    ).map((t) => t.token);
  });
  afterAll(() => gw?.stop());

  it('docker login (no scope) with a token: the spec response, never cached', async () => {
    const before = gw.clock.now();
    const answer = await requestToken(gw, { authorization: basic('oauth2', bobWrite), extra: { account: 'bob', offline_token: 'true', client_id: 'docker' } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.body).toEqual({ token: expect.any(String), access_token: answer.body.token, expires_in: 300, issued_at: before.toISOString() });
    expect(answer.jwt!.header).toMatchObject({ alg: 'ES256', typ: 'JWT', kid: expect.stringMatching(/^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/) });
    expect(answer.jwt!.claims).toMatchObject({ iss: 'gitgate-issuer', aud: 'container_registry', sub: 'bob', access: [] });
  });

  it('grants what each token may have and leaves the rest out', async () => {
    const scopes = ['repository:alice/app/web:pull,push', 'repository:alice/app:delete,*', 'repository:alice/site:pull,push'];
    expect(accessOf(await requestToken(gw, { scopes, authorization: basic('x', aliceApi) }))).toEqual([
      { type: 'repository', name: 'alice/app/web', actions: ['pull', 'push'] },
      { type: 'repository', name: 'alice/app', actions: ['delete', '*'] },
      { type: 'repository', name: 'alice/site', actions: ['pull', 'push'] },
    ]);
    expect(accessOf(await requestToken(gw, { scopes, authorization: basic('x', bobWrite) }))).toEqual([
      { type: 'repository', name: 'alice/app/web', actions: ['pull', 'push'] },
      { type: 'repository', name: 'alice/site', actions: ['pull'] },
    ]);
    expect(accessOf(await requestToken(gw, { scopes, authorization: basic('x', carolRead) }))).toEqual([
      { type: 'repository', name: 'alice/app/web', actions: ['pull'] },
      { type: 'repository', name: 'alice/site', actions: ['pull'] },
    ]);
  });

  it('lists the catalog to administrators only', async () => {
    const root = await gw.createUser('root1', { admin: true });
    const { token } = await gw.createToken(root, ['read_registry']);
    const catalog = ['registry:catalog:*'];
    expect(accessOf(await requestToken(gw, { scopes: catalog, authorization: basic('x', token) }))).toEqual([
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
    expect(accessOf(await requestToken(gw, { scopes: catalog, authorization: basic('x', aliceApi) }))).toEqual([]);
  });

  it('a token without a registry scope logs in but gets no access', async () => {
    const answer = await requestToken(gw, { scopes: ['repository:alice/app:pull'], authorization: basic('x', carolRepo) });
    expect(answer.status).toBe(200);
    expect(accessOf(answer)).toEqual([]);
  });

  it('a missing project and one the caller cannot read look the same', async () => {
    const { token } = await gw.createToken(await gw.createUser('mallory'), ['api']);
    for (const scope of ['repository:alice/app:pull', 'repository:alice/nothing:pull', 'repository:nobody/x/y:pull']) {
      expect(accessOf(await requestToken(gw, { scopes: [scope], authorization: basic('x', token) }))).toEqual([]);
    }
  });

  it('anonymous: public pulls only, and nothing at all is refused', async () => {
    const answer = await requestToken(gw, { scopes: ['repository:alice/site:pull,push', 'repository:alice/app:pull'] });
    expect(accessOf(answer)).toEqual([{ type: 'repository', name: 'alice/site', actions: ['pull'] }]);
    expect(answer.jwt!.claims).not.toHaveProperty('sub');
    const none = await requestToken(gw);
    expect(none.status).toBe(403);
    expect(none.body).toEqual({ errors: [{ code: 'DENIED', message: 'access forbidden' }] });
  });

  it('a password works for users without 2FA; a 2FA user must use a token', async () => {
    const ok = await requestToken(gw, { scopes: ['repository:alice/app:pull,push'], authorization: basic('bob', PASSWORD) });
    expect(accessOf(ok)).toEqual([{ type: 'repository', name: 'alice/app', actions: ['pull', 'push'] }]);
    const refused = await requestToken(gw, { scopes: ['repository:alice/app:pull'], authorization: basic('eve', PASSWORD) });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Basic realm="gitgate"');
    expect(refused.body).toEqual({ errors: [{ code: 'UNAUTHORIZED', message: expect.stringMatching(/personal access token with 'read_registry'/) }] });
  });

  it.each([
    ['a wrong password', () => basic('bob', 'wrong-password')],
    ['an unknown token', () => basic('bob', `glpat-${'0'.repeat(38)}`)],
    ['a malformed token', () => basic('bob', 'glpat-nope')],
    ['a Basic header that is not base64', () => 'Basic !!!'],
    ['Basic credentials without a colon', () => `Basic ${Buffer.from('bob').toString('base64')}`],
    ['a bare Basic scheme', () => 'Basic'],
    ['a Bearer token', () => 'Bearer not-a-registry-token'],
    ['another scheme', () => 'Digest username="bob"'],
  ])('%s is a 401 with a Basic challenge', async (_what, authorization) => {
    const answer = await requestToken(gw, { scopes: ['repository:alice/site:pull'], authorization: authorization() });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe('Basic realm="gitgate"');
    expect(answer.body).toEqual({ errors: [{ code: 'UNAUTHORIZED', message: expect.stringMatching(/^HTTP Basic: Access denied/) }] });
    expect(answer.jwt).toBeNull();
  });

  it('revoked and expired tokens are a 401, on the very next request', async () => {
    const revoked = await gw.createToken(bob, ['write_registry']);
    expect((await requestToken(gw, { authorization: basic('x', revoked.token) })).status).toBe(200);
    await gw.system.tokens.revoke({ id: bob.id, username: 'bob', isAdmin: false }, revoked.id);
    expect((await requestToken(gw, { authorization: basic('x', revoked.token) })).status).toBe(401);

    const now = gw.clock.now();
    gw.clock.set(new Date(now.getTime() - 3 * 86_400_000));
    const expiring = await gw.createToken(bob, ['write_registry'], { expiresAt: new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10) });
    gw.clock.set(now);
    expect((await requestToken(gw, { authorization: basic('x', expiring.token) })).status).toBe(401);
  });

  it.each([
    [{ scopes: ['repository:alice/app'] }, /invalid scope/],
    [{ scopes: ['repository:Alice/App:pull'] }, /not a repository name/],
    [{ service: 'other_registry' }, /issues tokens for service "container_registry" only/],
    [{ extra: { service: 'container_registry' } }, /service must be given once/],
  ])('refuses a malformed request before checking credentials: %j', async (options, message) => {
    const answer = await requestToken(gw, { authorization: basic('x', 'not checked'), ...options });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ errors: [{ code: 'INVALID_REQUEST', message: expect.stringMatching(message) }] });
  });

  it('answers the OAuth 2 POST form with 404, so containerd falls back to GET as it does with GitLab', async () => {
    const res = await fetch(`${gw.url}/jwt/auth`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'password', username: 'bob', password: bobWrite, service: 'container_registry' }),
    });
    expect(res.status).toBe(404);
  });

  it('accepts a request without service, and several scopes in one parameter', async () => {
    const answer = await requestToken(gw, {
      service: null,
      scopes: ['repository:alice/app:pull repository:alice/app/web:push'],
      authorization: basic('x', bobWrite),
    });
    expect(answer.jwt!.claims.aud).toBe('container_registry');
    expect(accessOf(answer)).toEqual([
      { type: 'repository', name: 'alice/app', actions: ['pull'] },
      { type: 'repository', name: 'alice/app/web', actions: ['push'] },
    ]);
  });
});

describe('failed registry authentications count toward the ban', () => {
  let gw: Gateway;

  beforeAll(async () => {
    gw = await startGateway('sqlite', {
      env: { GITGATE_AUTH_BAN_MAX_RETRY: '3', GITGATE_AUTH_BAN_TIME_SECONDS: '600', GITGATE_AUTH_BAN_ALLOWLIST: '192.0.2.1' },
    });
  });
  afterAll(() => gw?.stop());

  it('bans after maxretry failures, then refuses even a good token with 403', async () => {
    const bob = await gw.createUser('bob');
    const { token } = await gw.createToken(bob, ['read_registry']);
    const wrong = basic('bob', `glpat-${'1'.repeat(38)}`);
    for (let i = 0; i < 3; i++) expect((await requestToken(gw, { authorization: wrong })).status).toBe(401);
    const banned = await requestToken(gw, { authorization: basic('bob', token) });
    expect(banned.status).toBe(403);
    expect(banned.body).toEqual({ errors: [{ code: 'DENIED', message: 'Too many failed authentication attempts from this IP' }] });
    // Anonymous requests carry no credentials to check, so a banned address still gets public pulls.
    expect((await requestToken(gw, { scopes: ['repository:bob/x:pull'] })).status).toBe(200);
  });

  it('counts unreadable Authorization headers like wrong passwords', async () => {
    const other = await startGateway('sqlite', {
      env: { GITGATE_AUTH_BAN_MAX_RETRY: '3', GITGATE_AUTH_BAN_TIME_SECONDS: '600', GITGATE_AUTH_BAN_ALLOWLIST: '192.0.2.1' },
    });
    try {
      const carol = await other.createUser('carol');
      const { token } = await other.createToken(carol, ['read_registry']);
      for (const authorization of ['Basic !!!', 'Bearer nope', `Basic ${Buffer.from('carol').toString('base64')}`]) {
        expect((await requestToken(other, { authorization })).status).toBe(401);
      }
      const banned = await requestToken(other, { authorization: basic('carol', token) });
      expect(banned.status).toBe(403);
      expect(banned.body).toEqual({ errors: [{ code: 'DENIED', message: 'Too many failed authentication attempts from this IP' }] });
    } finally {
      await other.stop();
    }
  });
});
