/**
 * Personal access tokens over the API: creation for a user (scopes as an
 * array, a string or `scopes[]` pairs), listing with GitLab's filters,
 * reading, revoking and rotating by id and as `self`, and every validation error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, utcDate } from '../../src/lib/dates.js';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { apiClient, list, obj } from './api-client.js';

const REVOKED = { error: 'invalid_token', error_description: 'Token was revoked. You have to re-authorize from the user.' };
const ENTITY_KEYS = [
  'active', 'allow_force_push', 'allow_ref_deletion', 'allowed_ips', 'created_at', 'description', 'expired',
  'expires_at', 'id', 'last_used_at', 'last_used_ips', 'name', 'namespaces', 'parent_token_id', 'projects',
  'push_refs', 'revoked', 'scopes', 'user_id',
];

describe.each(databaseKinds())('personal access tokens API on %s', (kind) => {
  let gw: Gateway;
  let call: ReturnType<typeof apiClient>;
  let alice: User, bob: User, admin: User;
  let aliceToken: string, adminToken: string;
  const today = () => utcDate(gw.clock.now());

  beforeAll(async () => {
    gw = await startGateway(kind);
    call = apiClient(gw);
    [alice, bob, admin] = await Promise.all([gw.createUser('alice'), gw.createUser('bob'), gw.createUser('admin1', { admin: true })]);
    aliceToken = (await gw.createToken(alice, ['api'], { name: 'alice main' })).token;
    adminToken = (await gw.createToken(admin, ['api'], { name: 'admin main' })).token;
  });
  afterAll(() => gw?.stop());

  describe('POST /users/:id/personal_access_tokens', () => {
    const create = (body: Parameters<typeof call>[2], userId = bob.id) =>
      call('POST', `/users/${userId}/personal_access_tokens`, { token: adminToken, ...body });

    it.each([
      ['a JSON array', { json: { name: 'ci', scopes: ['read_repository', 'api'] } }],
      ['a comma-separated JSON string (python-gitlab 3)', { json: { name: 'ci', scopes: 'read_repository,api' } }],
      ['scopes[] form pairs', { form: { name: 'ci', scopes: ['read_repository', 'api'] } }],
      ['repeated form keys (curl -d)', { form: 'name=ci&scopes=read_repository&scopes=api' }],
      ['one form string', { form: 'name=ci&scopes=api%20read_repository' }],
    ])('creates a token with scopes as %s', async (_how, body) => {
      const res = await create(body);
      expect(res.status, res.text).toBe(201);
      expect(Object.keys(obj(res)).sort()).toEqual([...ENTITY_KEYS, 'token'].sort());
      expect(obj(res)).toMatchObject({ name: 'ci', scopes: ['api', 'read_repository'], user_id: bob.id, active: true, revoked: false, expires_at: null });
      expect(obj(res).token).toMatch(/^glpat-/);
      const me = await call('GET', '/user', { token: obj(res).token as string });
      expect(obj(me).username).toBe('bob');
    });

    it('stores description and expiry', async () => {
      const expires = addDays(today(), 30);
      const res = await create({ json: { name: 'deploy', scopes: ['read_repository'], description: 'for deploys', expires_at: expires } });
      expect(obj(res)).toMatchObject({ description: 'for deploys', expires_at: expires, expired: false });
    });

    it.each([
      [{}, 400, { error: 'name is missing, scopes is missing' }],
      [{ name: 'x', scopes: ['bogus', 'api'] }, 400, { error: 'scopes does not have a valid value: bogus' }],
      [{ name: 'x', scopes: [] }, 400, { error: 'scopes is missing' }],
      [{ name: 'x', scopes: ['api'], expires_at: 'tomorrow' }, 400, { error: 'expires_at is invalid' }],
      [{ name: 'x', scopes: ['api'], expires_at: '2001-01-01' }, 400, { message: { expires_at: ['Expiration date must be in the future'] } }],
      [{ name: 'x', scopes: ['sudo'] }, 400, { error: 'scopes sudo can only be granted to administrators' }],
      [{ name: 'x'.repeat(300), scopes: ['api'] }, 400, { error: 'name is invalid' }],
    ])('refuses %j with %i %j', async (body, status, error) => {
      const res = await create({ json: body });
      expect(res.status, res.text).toBe(status);
      expect(res.body).toEqual(error);
    });

    it('is for administrators, and answers 404 for an unknown user', async () => {
      const mine = await call('POST', `/users/${alice.id}/personal_access_tokens`, { token: aliceToken, json: { name: 'x', scopes: ['api'] } });
      expect(mine).toMatchObject({ status: 403, body: { message: '403 Forbidden' } });
      expect(await create({ json: { name: 'x', scopes: ['api'] } }, 99999)).toMatchObject({ status: 404, body: { message: '404 User Not Found' } });
    });

    it("lists a user's tokens to that user and administrators only", async () => {
      const own = await call('GET', `/users/${alice.id}/personal_access_tokens`, { token: aliceToken });
      expect(list(own).every((t) => t.user_id === alice.id)).toBe(true);
      expect((await call('GET', `/users/${bob.id}/personal_access_tokens`, { token: aliceToken })).status).toBe(401);
      expect(list(await call('GET', `/users/${bob.id}/personal_access_tokens`, { token: adminToken })).length).toBeGreaterThan(0);
    });
  });

  describe('GET /personal_access_tokens', () => {
    let dora: User;
    let doraToken: string;
    beforeAll(async () => {
      dora = await gw.createUser('dora');
      const at = (when: string) => gw.clock.set(when);
      at('2031-01-10T10:00:00Z');
      doraToken = (await gw.createToken(dora, ['api'], { name: 'Zulu main' })).token;
      at('2031-02-10T10:00:00Z');
      await gw.createToken(dora, ['read_api'], { name: 'alpha', expiresAt: '2031-06-01' });
      at('2031-03-10T10:00:00Z');
      const old = await gw.createToken(dora, ['read_user'], { name: 'Beta old' });
      await gw.system.tokens.revoke(dora, old.id);
      await gw.createToken(dora, ['read_user'], { name: 'gamma soon', expiresAt: '2031-03-12' });
      at('2031-04-01T10:00:00Z');
      await call('GET', '/user', { token: doraToken });
      await gw.system.tokens.flushUsage();
    });
    afterAll(() => gw.clock.set(new Date()));

    const names = async (query: string, token = doraToken) => {
      const res = await call('GET', `/personal_access_tokens?${query}`, { token });
      expect(res.status, res.text).toBe(200);
      return list(res).map((t) => t.name);
    };

    it("shows a user only their own tokens, in id order", async () => {
      expect(await names('')).toEqual(['Zulu main', 'alpha', 'Beta old', 'gamma soon']);
    });

    it.each([
      ['revoked=true', ['Beta old']],
      ['revoked=false', ['Zulu main', 'alpha', 'gamma soon']],
      ['state=active', ['Zulu main', 'alpha']],
      ['state=inactive', ['Beta old', 'gamma soon']],
      ['search=MAIN', ['Zulu main']],
      ['created_before=2031-02-01', ['Zulu main']],
      ['created_after=2031-02-10T12:00:00Z', ['Beta old', 'gamma soon']],
      ['last_used_after=2031-03-31', ['Zulu main']],
      ['last_used_before=2031-03-31', []],
      ['expires_before=2031-04-01', ['gamma soon']],
      ['expires_after=2031-04-01', ['alpha']],
      ['sort=name_asc', ['alpha', 'Beta old', 'gamma soon', 'Zulu main']],
      ['sort=created_desc&state=active', ['alpha', 'Zulu main']],
      ['sort=expires_asc', ['gamma soon', 'alpha', 'Zulu main', 'Beta old']],
    ])('filters with %s', async (query, expected) => {
      expect(await names(query)).toEqual(expected);
    });

    it('pages through the list', async () => {
      const res = await call('GET', '/personal_access_tokens?per_page=3&page=2', { token: doraToken });
      expect(list(res).map((t) => t.name)).toEqual(['gamma soon']);
      expect([res.headers.get('x-total'), res.headers.get('x-total-pages'), res.headers.get('x-prev-page')]).toEqual(['4', '2', '1']);
    });

    it('lets administrators see everyone and filter by user', async () => {
      const all = list(await call('GET', '/personal_access_tokens?per_page=100', { token: adminToken }));
      expect(new Set(all.map((t) => t.user_id))).toEqual(new Set([alice.id, bob.id, admin.id, dora.id]));
      expect(await names(`user_id=${dora.id}&state=active`, adminToken)).toEqual(['Zulu main', 'alpha']);
      expect(await call('GET', '/personal_access_tokens?user_id=99999', { token: adminToken })).toMatchObject({ status: 404, body: { message: '404 Not Found' } });
    });

    it("answers 401 to a user asking for someone else's tokens", async () => {
      expect(await call('GET', `/personal_access_tokens?user_id=${alice.id}`, { token: doraToken })).toMatchObject({
        status: 401,
        body: { message: '401 Unauthorized' },
      });
    });

    it.each([
      ['sort=newest', { error: 'sort does not have a valid value' }],
      ['state=dead', { error: 'state does not have a valid value' }],
      ['created_before=yesterday', { error: 'created_before is invalid' }],
      ['expires_after=2031-02-30', { error: 'expires_after is invalid' }],
      ['revoked=perhaps', { error: 'revoked is invalid' }],
      ['user_id=me', { error: 'user_id is invalid' }],
    ])('refuses %s', async (query, error) => {
      const res = await call('GET', `/personal_access_tokens?${query}`, { token: doraToken });
      expect(res.status).toBe(400);
      expect(res.body).toEqual(error);
    });
  });

  describe('one token: get, revoke, rotate', () => {
    it('reads a token with its last-used IPs; others get 401, administrators 404 when missing', async () => {
      const { id, token } = await gw.createToken(alice, ['read_api']);
      await call('GET', '/personal_access_tokens', { token });
      await gw.system.tokens.flushUsage();
      const res = await call('GET', `/personal_access_tokens/${id}`, { token: aliceToken });
      expect(obj(res)).toMatchObject({ id, user_id: alice.id, last_used_ips: ['127.0.0.1'], last_used_at: expect.any(String) });
      const bobToken = (await gw.createToken(bob, ['api'])).token;
      expect(await call('GET', `/personal_access_tokens/${id}`, { token: bobToken })).toMatchObject({ status: 401, body: { message: '401 Unauthorized' } });
      expect(await call('GET', '/personal_access_tokens/99999', { token: adminToken })).toMatchObject({ status: 404, body: { message: '404 Not Found' } });
      expect(await call('GET', '/personal_access_tokens/abc', { token: adminToken })).toMatchObject({ status: 400, body: { error: 'id is invalid' } });
    });

    it('revokes a token: 204, refused at once, then 400 when revoked again', async () => {
      const { id, token } = await gw.createToken(alice, ['read_user']);
      expect((await call('DELETE', `/personal_access_tokens/${id}`, { token: aliceToken })).status).toBe(204);
      expect((await call('GET', '/user', { token })).body).toEqual(REVOKED);
      expect(await call('DELETE', `/personal_access_tokens/${id}`, { token: aliceToken })).toMatchObject({
        status: 400,
        body: { message: '400 Bad request - Token is already revoked' },
      });
      expect((await call('DELETE', `/personal_access_tokens/${id}`, { token: (await gw.createToken(bob, ['api'])).token })).status).toBe(404);
    });

    it('rotates by id: same name and scopes, a week by default, the old one refused', async () => {
      const { id, token } = await gw.createToken(alice, ['read_user', 'read_repository'], { name: 'laptop' });
      const res = await call('POST', `/personal_access_tokens/${id}/rotate`, { token: aliceToken });
      expect(res.status, res.text).toBe(200);
      expect(obj(res)).toMatchObject({ name: 'laptop', scopes: ['read_user', 'read_repository'], expires_at: addDays(today(), 7) });
      expect(obj(res).id).not.toBe(id);
      expect((await call('GET', '/user', { token: obj(res).token as string })).status).toBe(200);
      expect((await call('GET', '/user', { token })).body).toEqual(REVOKED);
      const again = await call('POST', `/personal_access_tokens/${id}/rotate`, { token: aliceToken });
      expect(again).toMatchObject({ status: 400, body: { message: '400 Bad request - Token is not active' } });
    });

    it('rotates with an expiry date, and refuses a bad one', async () => {
      const { id } = await gw.createToken(alice, ['read_user']);
      const expires = addDays(today(), 3);
      const bad = await call('POST', `/personal_access_tokens/${id}/rotate`, { token: aliceToken, json: { expires_at: 'soon' } });
      expect(bad).toMatchObject({ status: 400, body: { error: 'expires_at is invalid' } });
      const res = await call('POST', `/personal_access_tokens/${id}/rotate`, { token: aliceToken, form: { expires_at: expires } });
      expect(obj(res).expires_at).toBe(expires);
      const other = await call('POST', `/personal_access_tokens/${id}/rotate`, { token: (await gw.createToken(bob, ['api'])).token });
      expect(other.status).toBe(401);
    });

    it('rotates itself; the old token is refused elsewhere, but reusing it to rotate revokes the whole family', async () => {
      const { token } = await gw.createToken(alice, ['api'], { name: 'self-rotating' });
      const res = await call('POST', '/personal_access_tokens/self/rotate', { token });
      expect(res.status, res.text).toBe(200);
      const successor = obj(res).token as string;
      expect((await call('GET', '/personal_access_tokens/self', { token: successor })).status).toBe(200);
      expect((await call('GET', '/user', { token })).body).toEqual(REVOKED);
      expect((await call('GET', '/user', { token: successor })).status).toBe(200);
      expect((await call('POST', '/personal_access_tokens/self/rotate', { token })).body).toEqual(REVOKED);
      expect((await call('GET', '/user', { token: successor })).body).toEqual(REVOKED);
    });

    it('shows the token itself as self', async () => {
      const { id, token } = await gw.createToken(bob, ['read_repository'], { name: 'self-view' });
      const res = await call('GET', '/personal_access_tokens/self', { token });
      expect(Object.keys(obj(res)).sort()).toEqual(ENTITY_KEYS);
      expect(obj(res)).toMatchObject({ id, name: 'self-view', scopes: ['read_repository'], user_id: bob.id });
    });
  });
});
