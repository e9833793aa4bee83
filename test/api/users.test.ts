/**
 * `/user` and `/users`: entities per viewer, filters, GitLab's pagination
 * headers across several pages, administrator writes and every validation error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { apiClient, list, obj } from './api-client.js';

const EXTERNAL = 'https://git.example.test';

describe.each(databaseKinds())('users API on %s', (kind) => {
  let gw: Gateway;
  let call: ReturnType<typeof apiClient>;
  let alice: User, admin: User;
  let aliceToken: string, adminToken: string;

  beforeAll(async () => {
    gw = await startGateway(kind, { env: { GITGATE_EXTERNAL_URL: EXTERNAL } });
    call = apiClient(gw);
    [alice, admin] = await Promise.all([gw.createUser('alice'), gw.createUser('admin1', { admin: true })]);
    aliceToken = (await gw.createToken(alice, ['api'])).token;
    adminToken = (await gw.createToken(admin, ['api'])).token;
    for (let i = 1; i <= 7; i++) await gw.createUser(`page-user-${i}`);
  });
  afterAll(() => gw?.stop());

  describe('GET /user', () => {
    it('shows the caller its own account with email and 2FA state, without is_admin', async () => {
      const res = await call('GET', '/user', { token: aliceToken });
      expect(res.status).toBe(200);
      expect(obj(res)).toMatchObject({
        id: alice.id,
        username: 'alice',
        name: 'alice',
        state: 'active',
        email: alice.email,
        two_factor_enabled: false,
        avatar_url: null,
        web_url: `${EXTERNAL}/alice`,
        created_at: alice.createdAt.toISOString(),
      });
      expect(obj(res)).not.toHaveProperty('is_admin');
    });

    it('adds is_admin for an administrator', async () => {
      expect(obj(await call('GET', '/user', { token: adminToken })).is_admin).toBe(true);
    });
  });

  describe('GET /users', () => {
    it('lists basic fields to non-administrators and full ones to administrators', async () => {
      const basic = list(await call('GET', '/users?username=alice', { token: aliceToken }));
      expect(basic).toHaveLength(1);
      expect(Object.keys(basic[0]!).sort()).toEqual(['avatar_url', 'id', 'locked', 'name', 'state', 'username', 'web_url']);
      const full = list(await call('GET', '/users?username=ALICE', { token: adminToken }));
      expect(full[0]).toMatchObject({ username: 'alice', email: alice.email, is_admin: false });
    });

    it('searches, and filters by state', async () => {
      const found = list(await call('GET', '/users?search=page-user', { token: aliceToken }));
      expect(found.map((u) => u.username)).toHaveLength(7);
      // Emails are private: administrators search them, others find no one by
      // an address, not even the whole of it (GitLab's User.search).
      const domain = alice.email.slice(alice.email.indexOf('@'));
      const pageUser = (await gw.system.users.getByUsername('page-user-1')).email;
      const usernames = async (search: string, token: string) => list(await call('GET', `/users?search=${encodeURIComponent(search)}&per_page=100`, { token })).map((u) => u.username);
      expect(await usernames(domain, aliceToken)).toEqual([]);
      expect(await usernames(pageUser, aliceToken)).toEqual([]);
      expect(await usernames(pageUser.toUpperCase(), aliceToken)).toEqual([]);
      expect(await usernames(pageUser, adminToken)).toEqual(['page-user-1']);
      expect(await usernames(domain, adminToken)).toContain('alice');
      const blocked = await gw.createUser('blocked-one');
      await gw.system.users.block(blocked.id);
      expect(list(await call('GET', '/users?blocked=true', { token: adminToken })).map((u) => u.username)).toEqual(['blocked-one']);
      const active = list(await call('GET', '/users?active=true&per_page=100', { token: adminToken }));
      expect(active.map((u) => u.username)).not.toContain('blocked-one');
    });

    it("paginates with GitLab's headers and links across several pages", async () => {
      const page = async (n: number) => call('GET', `/users?search=page-user&per_page=3&page=${n}&private_token=${aliceToken}`);
      const link = (n: number) => `${EXTERNAL}/api/v4/users?search=page-user&page=${n}&per_page=3`;
      const first = await page(1);
      expect(list(first).map((u) => u.username)).toEqual(['page-user-1', 'page-user-2', 'page-user-3']);
      const headers = (r: typeof first) =>
        ['x-page', 'x-per-page', 'x-next-page', 'x-prev-page', 'x-total', 'x-total-pages'].map((h) => r.headers.get(h));
      expect(headers(first)).toEqual(['1', '3', '2', '', '7', '3']);
      expect(first.headers.get('link')).toBe(`<${link(2)}>; rel="next", <${link(1)}>; rel="first", <${link(3)}>; rel="last"`);
      const second = await page(2);
      expect(headers(second)).toEqual(['2', '3', '3', '1', '7', '3']);
      expect(second.headers.get('link')).toBe(
        `<${link(1)}>; rel="prev", <${link(3)}>; rel="next", <${link(1)}>; rel="first", <${link(3)}>; rel="last"`,
      );
      const last = await page(3);
      expect(list(last).map((u) => u.username)).toEqual(['page-user-7']);
      expect(headers(last)).toEqual(['3', '3', '', '2', '7', '3']);
      const beyond = await page(9);
      expect(list(beyond)).toEqual([]);
      expect(headers(beyond)).toEqual(['9', '3', '', '', '7', '3']);
      expect(first.headers.get('link')).not.toContain('private_token');
    });

    it('defaults to 20 per page, caps at 100, and reports one page when empty', async () => {
      const none = await call('GET', '/users?search=nobody-matches', { token: aliceToken });
      expect([none.headers.get('x-per-page'), none.headers.get('x-total'), none.headers.get('x-total-pages')]).toEqual(['20', '0', '1']);
      expect((await call('GET', '/users?per_page=1000', { token: aliceToken })).headers.get('x-per-page')).toBe('100');
      expect((await call('GET', '/users?per_page=0', { token: aliceToken })).headers.get('x-per-page')).toBe('20');
    });

    it('refuses non-integer pagination parameters', async () => {
      expect((await call('GET', '/users?page=abc', { token: aliceToken })).body).toEqual({ error: 'page is invalid' });
      expect((await call('GET', '/users?per_page=1.5', { token: aliceToken })).body).toEqual({ error: 'per_page is invalid' });
      expect((await call('GET', '/users?active=maybe', { token: aliceToken })).body).toEqual({ error: 'active is invalid' });
    });

    // Found by the fuzz suite: PostgreSQL refuses text with a NUL, and the lookup answered 500.
    it('answers 400 for a NUL in a username, a search or a project path, on every database', async () => {
      for (const path of ['/users?username=%00', '/users?search=a%00b', '/projects/alice%00%2Fdemo', '/projects?search=%00']) {
        const res = await call('GET', path, { token: aliceToken });
        expect(res.status, path).toBe(400);
        expect(res.body, path).toEqual({ error: 'params may not contain a NUL character' });
      }
    });
  });

  describe('GET /users/:id', () => {
    it('shows a profile, and 404 or 400 otherwise', async () => {
      const res = await call('GET', `/users/${admin.id}`, { token: aliceToken });
      expect(obj(res)).toMatchObject({ id: admin.id, username: 'admin1', created_at: expect.any(String) });
      expect(obj(res)).not.toHaveProperty('email');
      expect(await call('GET', '/users/99999', { token: aliceToken })).toMatchObject({ status: 404, body: { message: '404 User Not Found' } });
      expect(await call('GET', '/users/alice', { token: aliceToken })).toMatchObject({ status: 400, body: { error: 'id is invalid' } });
    });
  });

  describe('POST /users', () => {
    const valid = { username: 'newbie', name: 'New Bie', email: 'newbie@example.test', password: 'long-enough-pw' };

    it('creates an account (JSON) and an administrator (form-encoded)', async () => {
      const res = await call('POST', '/users', { token: adminToken, json: valid });
      expect(res.status, res.text).toBe(201);
      expect(obj(res)).toMatchObject({ username: 'newbie', name: 'New Bie', email: 'newbie@example.test', is_admin: false, state: 'active' });
      const form = await call('POST', '/users', {
        token: adminToken,
        form: { username: 'boss', name: 'Boss', email: 'boss@example.test', force_random_password: 'true', admin: 'true' },
      });
      expect(form.status, form.text).toBe(201);
      expect(obj(form).is_admin).toBe(true);
    });

    it.each([
      [{}, { error: 'username is missing, name is missing, email is missing' }],
      [{ ...valid, username: 'x1', email: 'not-an-email' }, { error: 'email is invalid' }],
      [{ username: 'x2', name: 'X', email: 'x2@example.test' }, { error: 'password, reset_password, force_random_password are missing, at least one parameter must be provided' }],
      [{ ...valid, username: 'x3', email: 'x3@example.test', password: 'short' }, { error: 'password is too short (minimum is 8 characters)' }],
      [{ ...valid, username: '-bad/name', email: 'x4@example.test' }, { error: 'username is invalid (letters, digits, "_", "-", "." only)' }],
      [{ ...valid, username: 'x5', email: 'x5@example.test', admin: 'perhaps' }, { error: 'admin is invalid' }],
    ])('refuses %j with 400 %j', async (body, error) => {
      const res = await call('POST', '/users', { token: adminToken, json: body });
      expect(res.status, res.text).toBe(400);
      expect(res.body).toEqual(error);
    });

    it('answers 409 for a taken username or email', async () => {
      const res = await call('POST', '/users', { token: adminToken, json: { ...valid, username: 'Alice', email: 'other@example.test' } });
      expect(res).toMatchObject({ status: 409, body: { message: 'Username has already been taken' } });
    });

    it('is for administrators only', async () => {
      const res = await call('POST', '/users', { token: aliceToken, json: { ...valid, username: 'sneaky' } });
      expect(res).toMatchObject({ status: 403, body: { message: '403 Forbidden' } });
    });
  });

  describe('PUT /users/:id, block, unblock', () => {
    it('changes name, email, admin flag and state', async () => {
      const bob = await gw.createUser('bob');
      const res = await call('PUT', `/users/${bob.id}`, { token: adminToken, json: { name: 'Robert', email: 'bob@example.test', admin: true } });
      expect(res.status, res.text).toBe(200);
      expect(obj(res)).toMatchObject({ name: 'Robert', email: 'bob@example.test', is_admin: true });
      const blocked = await call('PUT', `/users/${bob.id}`, { token: adminToken, form: { state: 'blocked' } });
      expect(obj(blocked).state).toBe('blocked');
      expect((await call('PUT', `/users/${bob.id}`, { token: adminToken, json: { state: 'gone' } })).body).toEqual({
        error: 'state does not have a valid value',
      });
      expect((await call('PUT', `/users/${bob.id}`, { token: adminToken, json: { email: 'nope' } })).body).toEqual({ error: 'email is invalid' });
      expect((await call('PUT', '/users/99999', { token: adminToken, json: { name: 'x' } })).status).toBe(404);
      expect((await call('PUT', `/users/${bob.id}`, { token: aliceToken, json: { name: 'x' } })).status).toBe(403);
    });

    it('blocks and unblocks; the blocked user is refused on the next request', async () => {
      const carol = await gw.createUser('carol');
      const { token } = await gw.createToken(carol, ['read_user']);
      expect((await call('GET', '/user', { token })).status).toBe(200);
      expect(await call('POST', `/users/${carol.id}/block`, { token: adminToken })).toMatchObject({ status: 201, body: true });
      expect((await call('GET', '/user', { token })).body).toEqual({ message: '403 Forbidden - Your account has been blocked.' });
      expect(await call('POST', `/users/${carol.id}/unblock`, { token: adminToken })).toMatchObject({ status: 201, body: true });
      expect((await call('GET', '/user', { token })).status).toBe(200);
    });

    it('refuses to block the caller itself, unknown users and non-administrators', async () => {
      expect(await call('POST', `/users/${admin.id}/block`, { token: adminToken })).toMatchObject({
        status: 403,
        body: { message: '403 Forbidden - The API initiating user cannot be blocked by the API' },
      });
      expect(await call('POST', '/users/99999/block', { token: adminToken })).toMatchObject({ status: 404, body: { message: '404 User Not Found' } });
      expect((await call('POST', `/users/${admin.id}/block`, { token: aliceToken })).status).toBe(403);
    });
  });
});
