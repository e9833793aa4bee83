/**
 * GitLab's token information API: `POST /admin/token` says what a token is
 * and whose, `DELETE /admin/token` revokes it — everywhere at once, its
 * owner told by e-mail — for administrators only; 404 for a token that is
 * no longer (or never was) stored, 422 for a string that is not a token of
 * this instance. The token travels in the body only and is never logged.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TokenCodec } from '../../src/tokens/token-codec.js';
import type { User } from '../../src/users/user.js';
import { refsStatus } from '../cache/support.js';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp.js';
import { apiClient, obj } from './api-client.js';

const TOKEN_KEYS = [
  'active', 'allow_force_push', 'allow_ref_deletion', 'allowed_ips', 'created_at', 'description', 'expired',
  'expires_at', 'id', 'last_used_at', 'last_used_ips', 'name', 'namespaces', 'parent_token_id', 'projects',
  'push_refs', 'revoked', 'scopes', 'user_id',
];
const NOT_A_TOKEN = { message: 'Token type not supported.' };

describe.each(databaseKinds())('token information API on %s', (kind) => {
  let smtp: TestSmtpServer;
  let gw: Gateway;
  let call: ReturnType<typeof apiClient>;
  let alice: User;
  let adminToken: string, readOnlyAdminToken: string, aliceToken: string;
  /** Every token value these tests sent, to look for in the logs. */
  const sent: string[] = [];
  const ask = (method: 'POST' | 'DELETE', token: string, caller = adminToken, how: 'json' | 'form' = 'json') => {
    sent.push(token);
    return call(method, '/admin/token', { token: caller, ...(how === 'json' ? { json: { token } } : { form: { token } }) });
  };

  beforeAll(async () => {
    smtp = await startSmtpServer();
    gw = await startGateway(kind, { env: { GITGATE_SMTP_URL: smtp.url, GITGATE_EMAIL_FROM: 'gitgate@example.test' } });
    call = apiClient(gw);
    const admin = await gw.createUser('admin1', { admin: true });
    alice = await gw.system.users.create({ username: 'alice', email: 'alice@example.test', password: 'correct-horse-battery' });
    adminToken = (await gw.createToken(admin, ['api'])).token;
    readOnlyAdminToken = (await gw.createToken(admin, ['read_api'])).token;
    aliceToken = (await gw.createToken(alice, ['api'], { name: 'alice main' })).token;
  });
  afterAll(async () => {
    await gw?.stop();
    await smtp?.stop();
  });

  it('POST answers the token entity and its owner', async () => {
    const leaked = await gw.createToken(alice, ['read_repository', 'write_repository'], { name: 'leaked in CI' });
    const res = await ask('POST', leaked.token);
    expect(res.status, res.text).toBe(200);
    expect(Object.keys(obj(res)).sort()).toEqual([...TOKEN_KEYS, 'user'].sort());
    expect(obj(res)).toMatchObject({ id: leaked.id, name: 'leaked in CI', user_id: alice.id, scopes: ['read_repository', 'write_repository'], active: true, revoked: false });
    expect(obj(res).user).toMatchObject({ id: alice.id, username: 'alice', email: 'alice@example.test', is_admin: false, state: 'active' });
    expect(res.text).not.toContain(leaked.token);
  });

  it('POST answers a revoked token too, and reads a form-encoded body', async () => {
    const old = await gw.createToken(alice, ['api'], { name: 'old' });
    await gw.system.tokens.revoke({ id: alice.id, username: 'alice', isAdmin: false }, old.id);
    const res = await ask('POST', old.token, adminToken, 'form');
    expect(res.status, res.text).toBe(200);
    expect(obj(res)).toMatchObject({ id: old.id, revoked: true, active: false });
  });

  it('404 for a well-formed token no one holds', async () => {
    const stranger = new TokenCodec('glpat-', randomBytes(32)).generate();
    for (const method of ['POST', 'DELETE'] as const) {
      const res = await ask(method, stranger);
      expect({ status: res.status, body: res.body }).toEqual({ status: 404, body: { message: '404 Token Not Found' } });
    }
  });

  it('422 for what is not a token of this instance: another prefix, a wrong checksum or length', async () => {
    const real = (await gw.createToken(alice, ['api'])).token;
    const flipped = real.slice(0, -1) + (real.endsWith('A') ? 'B' : 'A');
    for (const candidate of ['ghp_0123456789abcdefghijABCDEFGHIJ012345', flipped, real.slice(0, -2), `glptt-${real.slice(6)}`, 'glpat-', ' ']) {
      for (const method of ['POST', 'DELETE'] as const) {
        const res = await ask(method, candidate);
        expect({ candidate, status: res.status, body: res.body }).toEqual({ candidate, status: 422, body: NOT_A_TOKEN });
      }
    }
  });

  it('400 when the token is missing, or given only in the query string', async () => {
    const missing = await call('POST', '/admin/token', { token: adminToken, json: {} });
    expect({ status: missing.status, body: missing.body }).toEqual({ status: 400, body: { error: 'token is missing' } });
    sent.push(aliceToken);
    const queried = await call('DELETE', `/admin/token?token=${aliceToken}`, { token: adminToken });
    expect({ status: queried.status, body: queried.body }).toEqual({ status: 400, body: { error: 'token is missing' } });
    expect((await call('GET', '/user', { token: aliceToken })).status).toBe(200);
  });

  it('401 without a token, 403 for others than administrators and for tokens without the api scope', async () => {
    const anonymous = await call('POST', '/admin/token', { json: { token: aliceToken } });
    expect({ status: anonymous.status, body: anonymous.body }).toEqual({ status: 401, body: { message: '401 Unauthorized' } });
    for (const method of ['POST', 'DELETE'] as const) {
      const own = await ask(method, aliceToken, aliceToken);
      expect({ status: own.status, body: own.body }).toEqual({ status: 403, body: { message: '403 Forbidden' } });
    }
    const readOnly = await ask('POST', aliceToken, readOnlyAdminToken);
    expect(readOnly.status).toBe(403);
    expect(obj(readOnly)).toMatchObject({ error: 'insufficient_scope', scope: 'api' });
    expect((await call('GET', '/user', { token: aliceToken })).status).toBe(200);
  });

  it('DELETE revokes the token at once and mails its owner; a second DELETE is refused', async () => {
    const leaked = await gw.createToken(alice, ['api'], { name: 'pasted in a chat' });
    expect((await call('GET', '/user', { token: leaked.token })).status).toBe(200);
    const before = smtp.received.length;
    const res = await ask('DELETE', leaked.token);
    expect(res.status, res.text).toBe(204);
    expect(res.text).toBe('');
    const refused = await call('GET', '/user', { token: leaked.token });
    expect(refused.status).toBe(401);
    const [mail] = (await smtp.waitForCount(before + 1)).slice(before);
    expect(mail).toMatchObject({ to: ['alice@example.test'], subject: 'Your personal access token "pasted in a chat" was revoked' });
    expect(mail!.raw).not.toContain(leaked.token);
    const again = await ask('DELETE', leaked.token);
    expect({ status: again.status, body: again.body }).toEqual({ status: 400, body: { message: '400 Bad request - Token is already revoked' } });
  });

  it('never writes a token it was sent to the log', async () => {
    expect(sent.length).toBeGreaterThan(10);
    for (const token of sent.filter((t) => t.trim().length > 6)) {
      expect(gw.logs.filter((line) => line.includes(token))).toEqual([]);
    }
  });
});

const redisUrl = inject('redisUrl');

describe.runIf(redisUrl).each(databaseKinds())('DELETE /admin/token with two instances and Redis on %s', (kind) => {
  let a: Gateway;
  let b: Gateway;

  beforeAll(async () => {
    a = await startGateway(kind, { redisUrl: redisUrl! });
    b = await startGateway(kind, { shareWith: a });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('the other instance refuses the token on its very next request, though it had it cached', async () => {
    const owner = await a.createUser('owner');
    const project = await a.createProject(owner, 'shared');
    const admin = await a.createUser('admin2', { admin: true });
    const adminToken = (await a.createToken(admin, ['api'])).token;
    const leaked = await a.createToken(owner, ['read_repository']);
    const repo = `${project.namespace}/${project.path}`;
    expect(await refsStatus(b, repo, leaked.token)).toBe(200);
    expect(await refsStatus(b, repo, leaked.token)).toBe(200);
    const res = await apiClient(a)('DELETE', '/admin/token', { token: adminToken, json: { token: leaked.token } });
    expect(res.status, res.text).toBe(204);
    expect(await refsStatus(b, repo, leaked.token)).toBe(401);
  });
});
