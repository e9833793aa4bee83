/**
 * `/projects` and `/projects/:id/members`: creation with the bare
 * repository, visibility, lookup by id or encoded path, deletion, members
 * with access levels, and every validation error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { apiClient, list, obj } from './api-client.js';

const EXTERNAL = 'https://git.example.test';

describe.each(databaseKinds())('projects API on %s', (kind) => {
  let gw: Gateway;
  let call: ReturnType<typeof apiClient>;
  let alice: User, bob: User, carol: User, admin: User;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    gw = await startGateway(kind, { env: { GITGATE_EXTERNAL_URL: EXTERNAL } });
    call = apiClient(gw);
    [alice, bob, carol, admin] = await Promise.all([
      gw.createUser('alice'),
      gw.createUser('bob'),
      gw.createUser('carol'),
      gw.createUser('admin1', { admin: true }),
    ]);
    for (const u of [alice, bob, carol, admin]) tokens[u.username] = (await gw.createToken(u, ['api'])).token;
    await gw.createProject(alice, 'secret');
    await gw.createProject(alice, 'open', 'public');
  });
  afterAll(() => gw?.stop());

  describe('POST /projects', () => {
    it('creates the project and its bare repository from a name', async () => {
      const res = await call('POST', '/projects', { token: tokens.alice, json: { name: 'My Tool', description: 'does things' } });
      expect(res.status, res.text).toBe(201);
      expect(obj(res)).toMatchObject({
        name: 'My Tool',
        path: 'my-tool',
        path_with_namespace: 'alice/my-tool',
        name_with_namespace: 'alice / My Tool',
        description: 'does things',
        visibility: 'private',
        http_url_to_repo: `${EXTERNAL}/alice/my-tool.git`,
        ssh_url_to_repo: null,
        default_branch: 'main',
        web_url: `${EXTERNAL}/alice/my-tool`,
        namespace: { path: 'alice', kind: 'user', full_path: 'alice' },
      });
      expect(fs.existsSync(path.join(gw.system.config.reposDir, 'alice', 'my-tool.git', 'HEAD'))).toBe(true);
    });

    it('takes form-encoded path and visibility', async () => {
      const res = await call('POST', '/projects', { token: tokens.bob, form: { path: 'site', visibility: 'public' } });
      expect(obj(res)).toMatchObject({ path_with_namespace: 'bob/site', visibility: 'public' });
    });

    it("lets only administrators create in another user's namespace", async () => {
      expect((await call('POST', '/projects', { token: tokens.bob, json: { name: 'x', namespace_id: alice.id } })).status).toBe(403);
      const byId = await call('POST', '/projects', { token: tokens.admin1, json: { name: 'gift', namespace_id: bob.id } });
      expect(obj(byId).path_with_namespace).toBe('bob/gift');
      const byName = await call('POST', '/projects', { token: tokens.admin1, json: { name: 'gift2', namespace_id: 'Bob' } });
      expect(obj(byName).path_with_namespace).toBe('bob/gift2');
    });

    it.each([
      [{}, 400, { error: 'name, path are missing, at least one parameter must be provided' }],
      [{ name: 'v', visibility: 'secretive' }, 400, { error: 'visibility does not have a valid value' }],
      [{ path: '../escape' }, 400, { error: 'path can contain only letters, digits, "_", "-" and "." and cannot end in .git' }],
      [{ path: 'repo.git' }, 400, { error: 'path can contain only letters, digits, "_", "-" and "." and cannot end in .git' }],
      [{ name: 'secret' }, 409, { message: 'Project path has already been taken' }],
      [{ name: 'n', namespace_id: 99999 }, 404, { message: '404 User Not Found' }],
    ])('refuses %j with %i %j', async (body, status, error) => {
      const res = await call('POST', '/projects', { token: tokens.alice, json: body });
      expect(res.status, res.text).toBe(status);
      expect(res.body).toEqual(error);
    });
  });

  describe('reading', () => {
    it('lists only public projects to anonymous callers', async () => {
      const res = await call('GET', '/projects?per_page=100');
      expect(list(res).every((p) => p.visibility === 'public')).toBe(true);
      expect(list(res).map((p) => p.path_with_namespace)).toContain('alice/open');
      expect(res.headers.get('x-total')).toBe(String(list(res).length));
    });

    it("lists a user's own private projects but not other people's", async () => {
      const mine = list(await call('GET', '/projects?per_page=100', { token: tokens.alice })).map((p) => p.path_with_namespace);
      expect(mine).toContain('alice/secret');
      const theirs = list(await call('GET', '/projects?per_page=100', { token: tokens.carol })).map((p) => p.path_with_namespace);
      expect(theirs).not.toContain('alice/secret');
      expect(theirs).toContain('alice/open');
    });

    it('filters by search, visibility, ownership and membership', async () => {
      const names = async (q: string, who = 'alice') =>
        list(await call('GET', `/projects?${q}`, { token: tokens[who] })).map((p) => p.path_with_namespace);
      expect(await names('search=secr')).toEqual(['alice/secret']);
      expect(await names('visibility=public&owned=true')).toEqual(['alice/open']);
      expect(await names('owned=true', 'carol')).toEqual([]);
      await gw.system.projects.setMember(admin, (await gw.system.projects.findByPath('alice', 'secret'))!.id, carol.id, 20, 'add');
      expect(await names('membership=true', 'carol')).toEqual(['alice/secret']);
      expect((await call('GET', '/projects?visibility=hidden', { token: tokens.alice })).body).toEqual({
        error: 'visibility does not have a valid value',
      });
    });

    it('finds a project by id or URL-encoded path, with the caller\'s access level', async () => {
      const byPath = await call('GET', '/projects/alice%2Fsecret', { token: tokens.alice });
      expect(byPath.status, byPath.text).toBe(200);
      expect(obj(byPath).permissions).toEqual({ project_access: { access_level: 50, notification_level: 3 }, group_access: null });
      const id = obj(byPath).id as number;
      expect(obj(await call('GET', `/projects/${id}`, { token: tokens.alice })).path_with_namespace).toBe('alice/secret');
      expect(obj(await call('GET', '/projects/alice%2Fopen')).permissions).toEqual({ project_access: null, group_access: null });
    });

    it('answers 404 for a project the caller may not see, exactly as for a missing one', async () => {
      const hidden = await call('GET', '/projects/alice%2Fsecret', { token: tokens.bob });
      const missing = await call('GET', '/projects/alice%2Fnothing', { token: tokens.bob });
      expect(hidden).toMatchObject({ status: 404, body: { message: '404 Project Not Found' } });
      expect(missing.body).toEqual(hidden.body);
      expect((await call('GET', '/projects/alice%2Fsecret')).status).toBe(404);
      expect((await call('GET', '/projects/not-a-path')).status).toBe(404);
    });
  });

  describe('members', () => {
    let projectId: number;
    beforeAll(async () => {
      projectId = (await gw.createProject(alice, 'team')).id;
    });
    const members = (suffix = '') => `/projects/${projectId}/members${suffix}`;

    it('adds, reads, lists, changes and removes a member', async () => {
      const added = await call('POST', members(), { token: tokens.alice, json: { user_id: bob.id, access_level: 30 } });
      expect(added.status, added.text).toBe(201);
      expect(obj(added)).toMatchObject({ id: bob.id, username: 'bob', access_level: 30, state: 'active', web_url: `${EXTERNAL}/bob` });
      const byName = await call('POST', '/projects/alice%2Fteam/members', { token: tokens.alice, form: { username: 'carol', access_level: '20' } });
      expect(obj(byName)).toMatchObject({ username: 'carol', access_level: 20 });
      const all = await call('GET', `${members()}?per_page=1`, { token: tokens.bob });
      expect(list(all).map((m) => m.username)).toEqual([bob.id < carol.id ? 'bob' : 'carol']); // ordered by user id
      expect([all.headers.get('x-total'), all.headers.get('x-next-page')]).toEqual(['2', '2']);
      expect(obj(await call('GET', members(`/${carol.id}`), { token: tokens.bob })).access_level).toBe(20);
      const changed = await call('PUT', members(`/${carol.id}`), { token: tokens.alice, json: { access_level: 40 } });
      expect(obj(changed).access_level).toBe(40);
      expect((await call('DELETE', members(`/${carol.id}`), { token: tokens.alice })).status).toBe(204);
      expect(await call('GET', members(`/${carol.id}`), { token: tokens.alice })).toMatchObject({ status: 404, body: { message: '404 Member Not Found' } });
    });

    it.each([
      [{ user_id: 1 }, 400, { error: 'access_level is missing' }],
      [{ user_id: 1, access_level: 35 }, 400, { error: 'access_level does not have a valid value' }],
      [{ access_level: 30 }, 400, { error: 'user_id, username are missing, exactly one parameter must be provided' }],
      [{ user_id: 'x', access_level: 30 }, 400, { error: 'user_id is invalid' }],
      [{ user_id: 99999, access_level: 30 }, 404, { message: '404 User Not Found' }],
      [{ username: 'ghost', access_level: 30 }, 404, { message: '404 User Not Found' }],
    ])('refuses %j with %i %j', async (body, status, error) => {
      const res = await call('POST', members(), { token: tokens.alice, json: body });
      expect(res.status, res.text).toBe(status);
      expect(res.body).toEqual(error);
    });

    it('refuses an existing member, unknown members, bad ids, and non-maintainers', async () => {
      const dup = await call('POST', members(), { token: tokens.alice, json: { user_id: bob.id, access_level: 30 } });
      expect(dup).toMatchObject({ status: 400, body: { message: { user_id: ['Member already exists'] } } });
      expect((await call('PUT', members(`/${admin.id}`), { token: tokens.alice, json: { access_level: 30 } })).status).toBe(404);
      expect((await call('GET', members('/abc'), { token: tokens.alice })).body).toEqual({ error: 'user_id is invalid' });
      const byDeveloper = await call('POST', members(), { token: tokens.bob, json: { user_id: carol.id, access_level: 10 } });
      expect(byDeveloper).toMatchObject({ status: 403, body: { message: '403 Forbidden' } });
      expect((await call('GET', members(), { token: tokens.carol })).status).toBe(404);
    });
  });

  describe('members who outrank the caller', () => {
    it('a maintainer cannot demote, promote past themselves, or remove an owner member', async () => {
      const p = await gw.createProject(alice, 'ranks');
      await gw.addMember(p, bob, 'maintainer');
      await gw.addMember(p, carol, 'owner');
      const path = (suffix: string) => `/projects/${p.id}/members${suffix}`;
      expect(await call('PUT', path(`/${carol.id}`), { token: tokens.bob, json: { access_level: 10 } })).toMatchObject({
        status: 403,
        body: { message: '403 Forbidden' },
      });
      expect((await call('DELETE', path(`/${carol.id}`), { token: tokens.bob })).status).toBe(403);
      expect((await call('PUT', path(`/${bob.id}`), { token: tokens.bob, json: { access_level: 50 } })).status).toBe(403);
      expect(obj(await call('GET', path(`/${carol.id}`), { token: tokens.alice })).access_level).toBe(50);
      expect(obj(await call('PUT', path(`/${carol.id}`), { token: tokens.alice, json: { access_level: 30 } })).access_level).toBe(30);
      expect(obj(await call('PUT', path(`/${carol.id}`), { token: tokens.bob, json: { access_level: 20 } })).access_level).toBe(20);
    });
  });

  describe('DELETE /projects/:id', () => {
    it('lets the owner delete a project and its repository, not a developer', async () => {
      const p = await gw.createProject(alice, 'doomed');
      await gw.addMember(p, bob, 'developer');
      expect((await call('DELETE', `/projects/${p.id}`, { token: tokens.bob })).status).toBe(403);
      expect(await call('DELETE', '/projects/alice%2Fdoomed', { token: tokens.alice })).toMatchObject({
        status: 202,
        body: { message: '202 Accepted' },
      });
      expect(fs.existsSync(gw.repoPath(p))).toBe(false);
      expect((await call('GET', `/projects/${p.id}`, { token: tokens.alice })).status).toBe(404);
    });
  });
});
