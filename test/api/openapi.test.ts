/**
 * The OpenAPI document against the API itself: the same routes (methods and
 * paths) as the mounted router, the same parameters and scopes as each
 * route's schema, parameter types as known endpoints take them, and live
 * responses of every operation that conform to the documented schemas
 * field by field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ssh2 from 'ssh2';
import { wellFormed } from '../../src/ssh/host-keys.js';
import type { z } from 'zod';
import type { ApiDeps } from '../../src/api/v4/api-deps.js';
import { apiRoutes, createApiRouter } from '../../src/api/v4/api-router.js';
import { openApiDocument } from '../../src/api/v4/openapi/document.js';
import { MAX_ID } from '../../src/api/v4/params.js';
import type { RouteScope } from '../../src/api/v4/route.js';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { apiClient, apiDeps, list, obj, type CallOptions } from './api-client.js';
import { validate } from './json-schema.js';
import { gitOk } from '../support/git-cli.js';

type Schema = Record<string, unknown>;
interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
}

const toTemplate = (expressPath: string) => expressPath.replace(/:(\w+)/g, '{$1}');
const SCOPES: Record<RouteScope, string> = { read_user: 'api, read_api, read_user', read_api: 'api, read_api', write_api: 'api', any: 'any' };

interface Documented {
  path: string[];
  /** Query parameters (GET, DELETE) or body fields (POST, PUT, a DELETE that takes a body), by name. */
  params: Record<string, Schema>;
  required: string[];
}

/** What operation `op` documents of its parameters; a body must read the same as JSON and form-encoded. */
function documented(op: Schema, method: string): Documented {
  const listed = (op.parameters as Schema[]).filter((p) => p.$ref === undefined);
  const path = listed.filter((p) => p.in === 'path').map((p) => p.name as string);
  if ((method === 'get' || method === 'delete') && op.requestBody === undefined) {
    const query = listed.filter((p) => p.in === 'query');
    expect(query.length + path.length).toBe(listed.length);
    return {
      path,
      params: Object.fromEntries(query.map((p) => [p.name as string, p.schema as Schema])),
      required: query.filter((p) => p.required === true).map((p) => p.name as string),
    };
  }
  expect(path.length).toBe(listed.length);
  const body = op.requestBody as { required: boolean; content: Record<string, { schema: Schema }> } | undefined;
  if (!body) return { path, params: {}, required: [] };
  const schema = body.content['application/json']!.schema;
  expect(body.content['application/x-www-form-urlencoded']!.schema).toEqual(schema);
  const required = (schema.required as string[] | undefined) ?? [];
  expect(body.required).toBe(required.length > 0);
  return { path, params: schema.properties as Record<string, Schema>, required };
}

describe.each(databaseKinds())('OpenAPI document on %s', (kind) => {
  let gw: Gateway;
  let deps: ApiDeps;
  let doc: Schema;

  beforeAll(async () => {
    gw = await startGateway(kind);
    deps = apiDeps(gw);
    doc = openApiDocument(gw.system.config.externalUrl, apiRoutes(deps));
  });
  afterAll(() => gw?.stop());

  const operations = (): string[] =>
    Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
    );

  it('is served at /api/v4/openapi.json without credentials', async () => {
    const res = await fetch(`${gw.url}/api/v4/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const served = (await res.json()) as Schema;
    expect(served.openapi).toBe('3.1.0');
    expect(served.servers).toEqual([{ url: `${gw.system.config.externalUrl}/api/v4` }]);
    expect(served.paths).toEqual(doc.paths);
  });

  it('documents exactly the routes the router serves', () => {
    const router = createApiRouter(deps);
    const mounted = (router.stack as unknown as Layer[])
      .flatMap((layer) => (layer.route ? Object.keys(layer.route.methods).map((m) => `${m.toUpperCase()} ${toTemplate(layer.route!.path)}`) : []))
      .filter((op) => op !== 'GET /openapi.json');
    expect(mounted.sort()).toEqual(operations().sort());
    expect(new Set(mounted).size).toBe(mounted.length);
  });

  it("documents each route's parameters, required ones, scopes and anonymous access", () => {
    const paths = doc.paths as Record<string, Record<string, Schema>>;
    for (const r of apiRoutes(deps)) {
      const op = paths[toTemplate(r.path)]?.[r.method];
      const where = `${r.method.toUpperCase()} ${r.path}`;
      expect(op, where).toBeDefined();
      const { path, params, required: documentedRequired } = documented(op!, r.method);
      expect(path, where).toEqual([...r.path.matchAll(/:(\w+)/g)].map(([, name]) => name));
      const shape = r.params ? (r.params as z.ZodObject).shape : {};
      const names = Object.keys(shape);
      expect(Object.keys(params).sort(), where).toEqual(names.sort());
      const required = names.filter((n) => !(shape[n] as z.ZodType).safeParse(undefined).success);
      expect(documentedRequired.sort(), where).toEqual(required.sort());
      expect(op!.description, where).toMatch(new RegExp(`^Token scopes: ${SCOPES[r.scope]}\\.`));
      expect(op!.security !== undefined, where).toBe(r.anonymous);
    }
  });

  it('documents parameter types, bounds, formats, enums and defaults', () => {
    const paths = doc.paths as Record<string, Record<string, Schema>>;
    const params = (path: string, method: string) => documented(paths[path]![method]!, method);
    const id = { type: 'integer', minimum: 1, maximum: MAX_ID };
    const date = { type: 'string', format: 'date' };
    const dateTime = { type: 'string', format: 'date-time' };

    const tokens = params('/personal_access_tokens', 'get');
    expect(tokens.required).toEqual([]);
    expect(tokens.params).toMatchObject({
      user_id: id,
      revoked: { type: 'boolean' },
      state: { type: 'string', enum: ['active', 'inactive'] },
      search: { type: 'string', maxLength: 255 },
      created_before: dateTime,
      last_used_after: dateTime,
      expires_before: date,
      sort: { type: 'string', enum: ['created_asc', 'created_desc', 'expires_asc', 'expires_desc', 'last_used_asc', 'last_used_desc', 'name_asc', 'name_desc'] },
    });
    expect(tokens.params.page).toEqual({ type: 'integer', minimum: 1, maximum: MAX_ID, default: 1 });
    expect(tokens.params.per_page).toEqual({ type: 'integer', minimum: 1, maximum: 100, default: 20 });

    const user = params('/users', 'post');
    expect(user.required.sort()).toEqual(['email', 'name', 'username']);
    expect(user.params).toMatchObject({ email: { type: 'string', format: 'email' }, admin: { type: 'boolean' }, password: { type: 'string', maxLength: 128 } });

    const member = params('/projects/{id}/members', 'post');
    expect(member.required).toEqual(['access_level']);
    expect(member.params.access_level).toEqual({ type: 'integer', enum: [10, 20, 30, 40, 50] });
    expect(member.params.user_id).toEqual(id);
    expect(params('/projects/{id}/members/{user_id}', 'put').params.access_level).toEqual({ type: 'integer', enum: [10, 20, 30, 40, 50] });

    const key = params('/user/keys', 'post');
    expect(key.required.sort()).toEqual(['key', 'title']);
    expect(key.params.usage_type).toEqual({ type: 'string', enum: ['auth', 'signing', 'auth_and_signing'], default: 'auth_and_signing' });
    expect(key.params.expires_at).toMatchObject({ anyOf: [dateTime, { type: 'null' }] });

    const token = params('/users/{id}/personal_access_tokens', 'post');
    expect(token.required.sort()).toEqual(['name', 'scopes']);
    expect(token.params.expires_at).toEqual({ anyOf: [date, { type: 'null' }] });
    expect(token.params.scopes).toMatchObject({ anyOf: [{ type: 'array', items: { type: 'string' } }, { type: 'string' }] });

    expect(params('/projects', 'post').params.namespace_id).toEqual({ anyOf: [id, { type: 'string', maxLength: 255 }] });
    expect(params('/projects/{id}', 'get')).toEqual({ path: ['id'], params: {}, required: [] });
    expect(params('/projects/{id}/repository/branches', 'get').params.sort).toEqual({
      type: 'string',
      enum: ['name_asc', 'updated_asc', 'updated_desc'],
      default: 'name_asc',
    });
    expect(params('/projects/{id}/repository/tags', 'get').params).toMatchObject({
      order_by: { type: 'string', enum: ['name', 'updated', 'version'], default: 'updated' },
      sort: { type: 'string', enum: ['asc', 'desc'], default: 'desc' },
    });
    expect(params('/projects/{id}/repository/branches/{branch}', 'get')).toEqual({ path: ['id', 'branch'], params: {}, required: [] });
  });

  it('answers every operation with a documented status and a body matching its schema', async () => {
    const call = apiClient(gw);
    const components = (doc.components as { schemas: Record<string, Schema> }).schemas;
    const exercised = new Set<string>();
    const check = async (method: string, path: string, options: CallOptions = {}) => {
      const res = await call(method, path, options);
      const pathOnly = path.split('?')[0]!;
      const template = Object.keys(doc.paths as object).find((t) =>
        new RegExp(`^${t.replace(/\{\w+\}/g, '[^/]+')}$`).test(pathOnly),
      );
      const op = (doc.paths as Record<string, Record<string, Schema>>)[template ?? '']?.[method.toLowerCase()];
      expect(op, `${method} ${path} is not documented`).toBeDefined();
      exercised.add(`${method} ${template}`);
      const response = (op!.responses as Record<string, Schema>)[String(res.status)];
      expect(response, `${method} ${path} answered an undocumented ${res.status}: ${res.text}`).toBeDefined();
      const schema = (response!.content as Record<string, { schema: Schema }> | undefined)?.['application/json']?.schema;
      if (schema) expect(validate(res.body, schema, components), `${method} ${path}`).toEqual([]);
      else expect(res.text).toBe('');
      return res;
    };

    const admin: User = await gw.createUser('admin1', { admin: true });
    const alice: User = await gw.createUser('alice');
    const a = (await gw.createToken(alice, ['api'])).token;
    const root = (await gw.createToken(admin, ['api'])).token;

    await check('GET', '/user', { token: a });
    await check('GET', '/user', { token: root });
    await check('GET', '/users', { token: a });
    await check('GET', '/users', { token: root });
    await check('GET', `/users/${admin.id}`, { token: a });
    await check('GET', `/users/${alice.id}`, { token: root });
    const zed = obj(await check('POST', '/users', { token: root, json: { username: 'zed', name: 'Zed', email: 'zed@example.test', password: 'zed-password' } }));
    await check('PUT', `/users/${zed.id}`, { token: root, json: { name: 'Zed Z' } });
    await check('POST', `/users/${zed.id}/block`, { token: root });
    await check('POST', `/users/${zed.id}/unblock`, { token: root });
    const created = obj(await check('POST', `/users/${alice.id}/personal_access_tokens`, { token: root, json: { name: 'doc', scopes: ['api'] } }));
    await check('GET', `/users/${alice.id}/personal_access_tokens`, { token: a });

    const sshKey = () => wellFormed(() => ssh2.utils.generateKeyPairSync('ed25519')).public;
    const mine = obj(await check('POST', '/user/keys', { token: a, json: { title: 'laptop', key: sshKey() } }));
    await check('GET', '/user/keys', { token: a });
    await check('GET', `/user/keys/${mine.id}`, { token: a });
    await check('DELETE', `/user/keys/${mine.id}`, { token: a });
    const theirs = obj(
      await check('POST', `/users/${alice.id}/keys`, { token: root, json: { title: 'ci', key: sshKey(), expires_at: '2099-01-01T00:00:00Z' } }),
    );
    await check('GET', `/users/${alice.id}/keys`, { token: a });
    await check('GET', `/users/${alice.id}/keys/${theirs.id}`, { token: root });
    await check('DELETE', `/users/${alice.id}/keys/${theirs.id}`, { token: root });
    await check('POST', '/user/keys', { token: a, json: { title: 'bad', key: 'ssh-rsa AAAA' } });
    await check('GET', `/user/keys/${theirs.id}`, { token: a });

    await check('GET', '/projects');
    const project = obj(await check('POST', '/projects', { token: a, json: { name: 'doc-proj', description: 'documented' } }));
    await check('GET', `/projects/${project.id}`, { token: a });
    await check('POST', `/projects/${project.id}/members`, { token: a, json: { user_id: zed.id, access_level: 30 } });
    await check('GET', `/projects/${project.id}/members`, { token: a });
    await check('GET', `/projects/${project.id}/members/${zed.id}`, { token: a });
    await check('PUT', `/projects/${project.id}/members/${zed.id}`, { token: a, json: { access_level: 40 } });
    await check('DELETE', `/projects/${project.id}/members/${zed.id}`, { token: a });
    await check('DELETE', `/projects/${project.id}`, { token: a });

    const seeded = await gw.createProject(alice, 'refs-doc');
    await gw.seedCommit(seeded);
    await gitOk(['--git-dir', gw.repoPath(seeded), 'tag', '-a', '-m', 'Release', 'v1', 'main']);
    await gitOk(['--git-dir', gw.repoPath(seeded), 'tag', 'v0', 'main']);
    await check('GET', `/projects/${seeded.id}/repository/branches?search=ma`, { token: a });
    await check('GET', `/projects/${seeded.id}/repository/branches/main`, { token: a });
    await check('GET', `/projects/${seeded.id}/repository/branches/nope`, { token: a });
    await check('GET', `/projects/${seeded.id}/repository/tags`, { token: a });
    await check('GET', `/projects/${seeded.id}/repository/tags?order_by=sideways`, { token: a });
    await check('POST', `/projects/${seeded.id}/housekeeping`, { token: a, json: { task: 'eager' } });
    await gw.system.housekeeping.idle();

    await check('GET', '/metadata', { token: a });
    await check('GET', '/version', { token: a });

    await check('GET', '/personal_access_tokens', { token: a });
    await check('GET', '/personal_access_tokens/self', { token: a });
    await check('GET', `/personal_access_tokens/${created.id}`, { token: a });
    const successor = obj(await check('POST', `/personal_access_tokens/${created.id}/rotate`, { token: a }));
    await check('DELETE', `/personal_access_tokens/${successor.id}`, { token: a });
    await check('POST', '/personal_access_tokens/self/rotate', { token: (await gw.createToken(alice, ['api'])).token });
    await check('DELETE', '/personal_access_tokens/self', { token: (await gw.createToken(alice, ['read_user'])).token });
    const minting = (await gw.createToken(alice, ['api', 'read_repository'])).token;
    await check('POST', '/user/personal_access_tokens', { token: minting, json: { name: 'child', scopes: ['read_repository'], projects: [seeded.id] } });
    await check('POST', '/user/personal_access_tokens', { token: minting, json: { name: 'wider', scopes: ['read_user'] } });

    const leaked = (await gw.createToken(alice, ['read_repository'])).token;
    await check('POST', '/admin/token', { token: root, json: { token: leaked } });
    await check('DELETE', '/admin/token', { token: root, json: { token: leaked } });

    const [event] = list(await check('GET', '/audit_events?per_page=1', { token: root }));
    await check('GET', `/audit_events/${String(event!.id)}`, { token: root });
    await check('GET', '/audit_events/99999', { token: root });
    await check('GET', '/audit_events?entity_id=1', { token: root });

    // Error bodies are documented too.
    await check('GET', '/user');
    await check('GET', '/projects', { token: (await gw.createToken(alice, ['read_user'])).token });
    await check('POST', '/users', { token: root, json: {} });
    await check('POST', '/users', { token: root, json: { username: 'zed', name: 'Z', email: 'z2@example.test', password: 'zed-password' } });
    await check('GET', '/users/99999', { token: a });
    await check('GET', '/personal_access_tokens/99999', { token: a });
    await check('POST', '/admin/token', { token: root, json: { token: 'ghp_not-ours' } });
    await check('DELETE', '/admin/token', { token: root, json: { token: leaked.slice(0, -1) } });

    expect([...exercised].sort()).toEqual(operations().sort());
  });
});
