/**
 * How the API authenticates: the three token sources, GitLab's bodies for
 * missing, unknown, revoked, expired and blocked credentials, every scope
 * denial, and sudo with each of its refusals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '../../src/api/v4/api-router.js';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { apiClient, apiDeps, obj, type ApiResponse } from './api-client.js';

const UNAUTHORIZED = { message: '401 Unauthorized' };
const REVOKED = { error: 'invalid_token', error_description: 'Token was revoked. You have to re-authorize from the user.' };
const EXPIRED = { error: 'invalid_token', error_description: 'Token is expired. You can either do re-authorization or token refresh.' };
const insufficient = (scope: string) => ({
  error: 'insufficient_scope',
  error_description: 'The request requires higher privileges than provided by the access token.',
  scope,
});

function expectJson(res: ApiResponse, status: number, body: unknown): void {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/json');
  expect(res.body).toEqual(body);
}

describe.each(databaseKinds())('API authentication on %s', (kind) => {
  let gw: Gateway;
  let call: ReturnType<typeof apiClient>;
  let alice: User, admin: User;

  beforeAll(async () => {
    gw = await startGateway(kind);
    call = apiClient(gw);
    [alice, admin] = await Promise.all([gw.createUser('alice'), gw.createUser('admin1', { admin: true })]);
    await gw.createProject(alice, 'open', 'public');
  });
  afterAll(() => gw?.stop());

  describe('token sources', () => {
    it.each(['header', 'query', 'bearer'] as const)('accepts a token from the %s', async (via) => {
      const { token } = await gw.createToken(alice, ['read_user']);
      const res = await call('GET', '/user', { token, via });
      expect(res.status, res.text).toBe(200);
      expect(obj(res).username).toBe('alice');
    });

    it('accepts private_token in a form-encoded body', async () => {
      const { token } = await gw.createToken(alice, ['read_user']);
      const res = await call('DELETE', '/personal_access_tokens/self', { form: { private_token: token } });
      expect(res.status, res.text).toBe(204);
    });

    it('reads the private_token parameter before the header, as GitLab does', async () => {
      const { token } = await gw.createToken(alice, ['read_user']);
      const res = await call('GET', `/user?private_token=${token}`, { headers: { 'PRIVATE-TOKEN': 'glpat-garbage' } });
      expect(res.status).toBe(200);
    });
  });

  describe('refused credentials', () => {
    it('answers 401 {"message":"401 Unauthorized"} without a token', async () => {
      expectJson(await call('GET', '/user'), 401, UNAUTHORIZED);
      expectJson(await call('POST', '/projects', { json: { name: 'x' } }), 401, UNAUTHORIZED);
    });

    it('answers the same for unknown, malformed and bad-checksum tokens, on every source', async () => {
      const { token } = await gw.createToken(alice, ['api']);
      const flipped = token.slice(0, 10) + (token[10] === 'a' ? 'b' : 'a') + token.slice(11);
      for (const bad of ['glpat-short', flipped, `${token}x`, 'not-a-token']) {
        for (const via of ['header', 'query', 'bearer'] as const) {
          const res = await call('GET', '/user', { token: bad, via });
          expectJson(res, 401, UNAUTHORIZED);
          expect(res.text).not.toContain(bad);
        }
      }
    });

    it('reports a revoked token as invalid_token, with the Bearer challenge', async () => {
      const { id, token } = await gw.createToken(alice, ['api']);
      await gw.system.tokens.revoke(alice, id);
      const res = await call('GET', '/user', { token });
      expectJson(res, 401, REVOKED);
      expect(res.headers.get('www-authenticate')).toBe(
        'Bearer realm="Protected by OAuth 2.0", error="invalid_token", error_description="Token was revoked. You have to re-authorize from the user."',
      );
    });

    it('reports an expired token as invalid_token from 00:00 UTC of its expiry date', async () => {
      gw.clock.set('2030-03-09T12:00:00Z');
      try {
        const { token } = await gw.createToken(alice, ['api'], { expiresAt: '2030-03-10' });
        gw.clock.set('2030-03-09T23:59:59.999Z');
        expect((await call('GET', '/user', { token })).status).toBe(200);
        gw.clock.set('2030-03-10T00:00:00.000Z');
        expectJson(await call('GET', '/user', { token }), 401, EXPIRED);
      } finally {
        gw.clock.set(new Date());
      }
    });

    it("refuses a blocked user's token with GitLab's 403", async () => {
      const mallory = await gw.createUser('mallory');
      const { token } = await gw.createToken(mallory, ['api']);
      await gw.system.users.block(mallory.id);
      expectJson(await call('GET', '/user', { token }), 403, { message: '403 Forbidden - Your account has been blocked.' });
    });

    it('refuses a bad token even where anonymous callers are welcome', async () => {
      expect((await call('GET', '/projects')).status).toBe(200);
      expectJson(await call('GET', '/projects', { token: 'glpat-nope' }), 401, UNAUTHORIZED);
    });
  });

  describe('scopes', () => {
    const READ_USER_GETS = ['/user', '/users', '/users/1'];
    const cases: [string, string, string, number, string?][] = [
      ['read_user', 'GET', '/user', 200],
      ['read_user', 'GET', '/users', 200],
      ['read_user', 'GET', '/projects', 403, 'api read_api'],
      ['read_user', 'GET', '/personal_access_tokens', 403, 'api read_api'],
      ['read_user', 'POST', '/projects', 403, 'api'],
      ['read_api', 'GET', '/user', 200],
      ['read_api', 'GET', '/projects', 200],
      ['read_api', 'GET', '/personal_access_tokens', 200],
      ['read_api', 'POST', '/projects', 403, 'api'],
      ['read_api', 'POST', '/personal_access_tokens/self/rotate', 403, 'api'],
      ['read_api', 'DELETE', '/personal_access_tokens/999', 403, 'api'],
      ['read_api', 'PUT', '/users/1', 403, 'api'],
      ['api', 'GET', '/projects', 200],
      ['api', 'GET', '/personal_access_tokens', 200],
    ];
    for (const scope of ['read_repository', 'write_repository', 'read_registry', 'write_registry']) {
      for (const path of READ_USER_GETS) cases.push([scope, 'GET', path, 403, 'api read_api read_user']);
      cases.push([scope, 'GET', '/projects', 403, 'api read_api']);
      cases.push([scope, 'GET', '/personal_access_tokens/self', 200]);
    }

    it.each(cases)('a %s token: %s %s → %i', async (scope, method, path, status, required) => {
      const { token } = await gw.createToken(alice, [scope]);
      const res = await call(method, path, { token, ...(method === 'GET' ? {} : { json: {} }) });
      if (required) expectJson(res, status, insufficient(required));
      else expect(res.status, res.text).toBe(status);
    });

    it('denies every endpoint to a token without one of its scopes, naming the scopes that would do', async () => {
      const routes = apiRoutes(apiDeps(gw));
      const { token: gitOnly } = await gw.createToken(alice, ['read_repository', 'write_repository']);
      const { token: readApi } = await gw.createToken(alice, ['read_api']);
      const REQUIRED = { read_user: 'api read_api read_user', read_api: 'api read_api', write_api: 'api' } as const;
      let checked = 0;
      for (const r of routes) {
        if (r.scope === 'any') continue;
        const path = r.path.replace(/:\w+/g, '1');
        const body = r.method === 'get' ? {} : { json: {} };
        expectJson(await call(r.method.toUpperCase(), path, { token: gitOnly, ...body }), 403, insufficient(REQUIRED[r.scope]));
        if (r.scope === 'write_api') expectJson(await call(r.method.toUpperCase(), path, { token: readApi, ...body }), 403, insufficient('api'));
        checked++;
      }
      expect(checked).toBe(routes.length - 2);
    });

    it('any token may read and revoke itself', async () => {
      const { id, token } = await gw.createToken(alice, ['read_registry']);
      expect(obj(await call('GET', '/personal_access_tokens/self', { token })).id).toBe(id);
      expect((await call('DELETE', '/personal_access_tokens/self', { token })).status).toBe(204);
      expectJson(await call('GET', '/personal_access_tokens/self', { token }), 401, REVOKED);
    });

    it("a sudo-only administrator token can't use the API without sudo", async () => {
      const { token } = await gw.createToken(admin, ['sudo']);
      expectJson(await call('GET', '/user', { token }), 403, insufficient('api read_api read_user'));
    });
  });

  describe('sudo', () => {
    let sudoToken: string;
    beforeAll(async () => {
      sudoToken = (await gw.createToken(admin, ['api', 'sudo'])).token;
    });

    it.each([
      ['the Sudo header with a username', () => ({ headers: { Sudo: 'alice' } }), '/user'],
      ['the Sudo header in another case', () => ({ headers: { Sudo: 'ALICE' } }), '/user'],
      ['the Sudo header with an id', () => ({ headers: { Sudo: String(alice.id) } }), '/user'],
      ['the sudo parameter', () => ({}), '/user?sudo=alice'],
    ])('acts as the user named by %s', async (_what, extra, path) => {
      const res = await call('GET', path, { token: sudoToken, ...extra() });
      expect(res.status, res.text).toBe(200);
      expect(obj(res)).toMatchObject({ id: alice.id, username: 'alice', email: expect.any(String) });
      expect(obj(res)).not.toHaveProperty('is_admin');
    });

    it("creates a project in the sudo user's namespace", async () => {
      const res = await call('POST', '/projects', { token: sudoToken, headers: { Sudo: 'alice' }, json: { name: 'via-sudo' } });
      expect(res.status, res.text).toBe(201);
      expect(obj(res).path_with_namespace).toBe('alice/via-sudo');
    });

    it('refuses a non-administrator', async () => {
      const { token } = await gw.createToken(alice, ['api', 'read_user']);
      const res = await call('GET', '/user', { token, headers: { Sudo: 'admin1' } });
      expectJson(res, 403, { message: '403 Forbidden - Must be admin to use sudo' });
    });

    it('refuses an administrator token without the sudo scope', async () => {
      const { token } = await gw.createToken(admin, ['api']);
      expectJson(await call('GET', '/user', { token, headers: { Sudo: 'alice' } }), 403, insufficient('sudo'));
    });

    it('answers 404 for a user that does not exist', async () => {
      const res = await call('GET', '/user', { token: sudoToken, headers: { Sudo: 'nobody' } });
      expectJson(res, 404, { message: "404 User with ID or username 'nobody' Not Found" });
      const byId = await call('GET', '/user', { token: sudoToken, headers: { Sudo: '99999999999' } });
      expectJson(byId, 404, { message: "404 User with ID or username '99999999999' Not Found" });
    });

    it('asks anonymous callers to authenticate', async () => {
      expectJson(await call('GET', '/user', { headers: { Sudo: 'alice' } }), 401, UNAUTHORIZED);
    });
  });

  describe('requests', () => {
    it('answers a malformed JSON body with a 400 in GitLab shape', async () => {
      const { token } = await gw.createToken(alice, ['api']);
      const res = await call('POST', '/projects', { token, json: '{"name":' });
      expectJson(res, 400, { message: '400 Bad request - The request body is not valid JSON' });
    });

    it('refuses a body over the size limit with 413', async () => {
      const { token } = await gw.createToken(alice, ['api']);
      const res = await call('POST', '/projects', { token, json: { name: 'x', description: 'y'.repeat(2 * 1024 * 1024) } });
      expectJson(res, 413, { message: '413 Request Entity Too Large' });
    });

    it('answers unknown API paths like Grape', async () => {
      expectJson(await call('GET', '/nope'), 404, { error: '404 Not Found' });
    });

    it('never writes a token to the log or echoes it in an error', async () => {
      const { token } = await gw.createToken(alice, ['read_user']);
      await call('GET', `/user?private_token=${token}`);
      await call('GET', '/user', { token, via: 'bearer' });
      const bad = await call('GET', `/user?private_token=${token}zz`);
      expect(bad.text).not.toContain(token);
      await gw.system.tokens.flushUsage();
      const logs = gw.logs.join('\n');
      expect(logs).toContain('"path":"/api/v4/user"');
      expect(logs).not.toContain(token.slice(6, 30));
    });
  });
});
