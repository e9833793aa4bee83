/**
 * Restricted tokens through the API (issue 16): creation and the entity
 * fields, project-scoped endpoints and `GET /projects` within the token's
 * reach, allowed addresses, rotation keeping the restrictions, and
 * attenuation: a token mints only weaker tokens, each way of escaping is
 * refused, and children die with their parent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, utcDate } from '../../src/lib/dates.js';
import type { Project } from '../../src/projects/project.js';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { apiClient, list, obj } from './api-client.js';

describe.each(databaseKinds())('restricted tokens API on %s', (kind) => {
  let gw: Gateway;
  let call: ReturnType<typeof apiClient>;
  let alice: User, admin: User;
  let adminToken: string;
  let site: Project, other: Project, bobs: Project;
  const today = () => utcDate(gw.clock.now());

  beforeAll(async () => {
    gw = await startGateway(kind);
    call = apiClient(gw);
    let bob: User;
    [alice, bob, admin] = await Promise.all([gw.createUser('alice'), gw.createUser('bob'), gw.createUser('admin1', { admin: true })]);
    adminToken = (await gw.createToken(admin, ['api'])).token;
    site = await gw.createProject(alice, 'website');
    other = await gw.createProject(alice, 'other');
    bobs = await gw.createProject(bob, 'tools', 'public');
  });
  afterAll(() => gw?.stop());

  const create = (json: Record<string, unknown>, userId = alice.id) =>
    call('POST', `/users/${userId}/personal_access_tokens`, { token: adminToken, json: { name: 'r', scopes: ['api'], ...json } });
  const mint = (parent: string, json: Record<string, unknown>) =>
    call('POST', '/user/personal_access_tokens', { token: parent, json: { name: 'child', ...json } });

  describe('creating', () => {
    it('stores every restriction and returns them as top-level fields, on creation and on every read', async () => {
      const res = await create({
        projects: ['alice/website', other.id],
        namespaces: ['Bob'],
        allowed_ips: ['10.1.2.3/8', '2001:db8::1', '127.0.0.1'],
        push_refs: ['refs/heads/bot/*', 'refs/tags/v*'],
        allow_force_push: false,
        allow_ref_deletion: false,
      });
      expect(res.status, res.text).toBe(201);
      const expected = {
        projects: [site.id, other.id],
        namespaces: ['bob'],
        allowed_ips: ['10.1.2.3/8', '2001:db8::1', '127.0.0.1'],
        push_refs: ['refs/heads/bot/*', 'refs/tags/v*'],
        allow_force_push: false,
        allow_ref_deletion: false,
        parent_token_id: null,
      };
      expect(obj(res)).toMatchObject(expected);
      expect(obj(await call('GET', `/personal_access_tokens/${obj(res).id}`, { token: adminToken }))).toMatchObject(expected);
      expect(obj(await call('GET', '/personal_access_tokens/self', { token: obj(res).token as string }))).toMatchObject(expected);
    });

    it('takes lists as form pairs and comma-separated strings too', async () => {
      const res = await call('POST', `/users/${alice.id}/personal_access_tokens`, {
        token: adminToken,
        form: { name: 'form', scopes: ['read_repository'], projects: ['alice/website'], push_refs: 'refs/heads/a,refs/heads/b', allow_force_push: 'false' },
      });
      expect(res.status, res.text).toBe(201);
      expect(obj(res)).toMatchObject({ projects: [site.id], push_refs: ['refs/heads/a', 'refs/heads/b'], allow_force_push: false });
    });

    it('takes as many entries as a JSON array as in a string (100), and refuses more either way naming the field', async () => {
      const ips = (n: number) => Array.from({ length: n }, (_, i) => `10.0.${i}.0/24`);
      for (const allowed_ips of [ips(100), ips(100).join(',')]) {
        const res = await create({ allowed_ips });
        expect(res.status, res.text).toBe(201);
      }
      for (const allowed_ips of [ips(101), ips(101).join(',')]) {
        const res = await create({ allowed_ips });
        expect(res.status).toBe(400);
        expect(res.text).toContain('allowed_ips');
      }
    });

    it('an unrestricted token has null lists and both switches on', async () => {
      const res = await create({});
      expect(obj(res)).toMatchObject({ projects: null, namespaces: null, allowed_ips: null, push_refs: null, allow_force_push: true, allow_ref_deletion: true });
    });

    it.each([
      [{ projects: ['alice/nope'] }, 'projects'],
      [{ projects: ['bob/tools', 'alice/website'] }, null],
      [{ projects: [] }, 'projects'],
      [{ namespaces: ['no/slash'] }, 'namespaces'],
      [{ allowed_ips: ['10.0.0.0/33'] }, 'allowed_ips'],
      [{ allowed_ips: ['example.com'] }, 'allowed_ips'],
      [{ push_refs: ['heads/main'] }, 'push_refs'],
      [{ push_refs: ['refs/heads/a..b'] }, 'push_refs'],
      [{ push_refs: ['refs/heads/{a,b}'] }, 'push_refs'],
    ])('validates %j', async (fields, field) => {
      const res = await create(fields);
      if (field === null) return expect(res.status, res.text).toBe(201);
      expect(res.status, res.text).toBe(400);
      expect(res.text).toContain(field);
    });

    it("does not reveal a project the owner cannot see: it reads as unknown", async () => {
      const hidden = await gw.createProject(admin, 'hidden');
      const res = await create({ projects: [hidden.id] });
      expect(res.status).toBe(400);
      expect(res.text).toContain(`project ${hidden.id} not found`);
    });
  });

  describe('using', () => {
    it('project endpoints and GET /projects see only the reach, even public projects', async () => {
      const t = obj(await create({ projects: ['alice/website'] })).token as string;
      expect((await call('GET', `/projects/${site.id}`, { token: t })).status).toBe(200);
      for (const p of [other, bobs]) {
        const res = await call('GET', `/projects/${p.id}`, { token: t });
        expect(res.status).toBe(404);
        expect(obj(res)).toEqual({ message: '404 Project Not Found' });
        expect((await call('GET', `/projects/${p.id}/members`, { token: t })).status).toBe(404);
      }
      expect(list(await call('GET', '/projects', { token: t })).map((p) => p.id)).toEqual([site.id]);
    });

    it('a namespace reaches later projects, and the token may create projects only there', async () => {
      const t = obj(await create({ namespaces: ['alice'] })).token as string;
      const made = await call('POST', '/projects', { token: t, json: { name: 'made-by-token' } });
      expect(made.status, made.text).toBe(201);
      expect(list(await call('GET', '/projects', { token: t })).map((p) => p.id)).toContain(obj(made).id);
      const narrow = obj(await create({ projects: ['alice/website'] })).token as string;
      const refused = await call('POST', '/projects', { token: narrow, json: { name: 'not-allowed' } });
      expect(refused.status).toBe(403);
      expect(obj(refused).message).toContain('may not create projects in alice');
    });

    it('a token from an address outside its list gets 401 naming the address', async () => {
      const t = obj(await create({ allowed_ips: ['192.0.2.0/24'] })).token as string;
      const res = await call('GET', '/user', { token: t });
      expect(res.status).toBe(401);
      expect(obj(res).message).toContain('This token may not be used from 127.0.0.1.');
      const inside = obj(await create({ allowed_ips: ['127.0.0.1', '::1'] })).token as string;
      expect((await call('GET', '/user', { token: inside })).status).toBe(200);
    });

    it('rotation keeps the restrictions', async () => {
      const created = obj(await create({ projects: ['alice/website'], allowed_ips: ['127.0.0.0/8'], allow_ref_deletion: false }));
      const rotated = await call('POST', `/personal_access_tokens/${created.id}/rotate`, { token: adminToken });
      expect(rotated.status, rotated.text).toBe(200);
      expect(obj(rotated)).toMatchObject({ projects: [site.id], allowed_ips: ['127.0.0.0/8'], allow_ref_deletion: false });
    });
  });

  describe('attenuation', () => {
    const expiry = () => addDays(today(), 30);
    let parent: { id: number; token: string };
    beforeAll(async () => {
      const res = obj(await create({
        scopes: ['api', 'read_repository'],
        expires_at: addDays(utcDate(new Date()), 30),
        projects: ['alice/website'],
        namespaces: ['bob'],
        allowed_ips: ['127.0.0.0/8', '10.0.0.0/8'],
        push_refs: ['refs/heads/bot/*', 'refs/heads/ci/**'],
        allow_force_push: false,
      }));
      parent = { id: res.id as number, token: res.token as string };
    });

    it('mints a weaker token for its own user, linked to its parent', async () => {
      const res = await mint(parent.token, {
        scopes: ['read_repository'],
        expires_at: expiry(),
        projects: [site.id],
        allowed_ips: ['127.0.0.1'],
        push_refs: ['refs/heads/bot/x', 'refs/heads/ci/deep/*'],
        allow_force_push: false,
      });
      expect(res.status, res.text).toBe(201);
      expect(obj(res)).toMatchObject({ user_id: alice.id, scopes: ['read_repository'], parent_token_id: parent.id, projects: [site.id] });
      expect((await call('GET', `/projects/${site.id}`, { token: obj(res).token as string })).status).toBe(403);
    });

    const base = () => ({
      scopes: ['read_repository'],
      expires_at: expiry(),
      projects: [site.id],
      allowed_ips: ['127.0.0.1'],
      push_refs: ['refs/heads/bot/x'],
      allow_force_push: false,
    });
    it.each([
      ['a scope it lacks', { scopes: ['read_repository', 'sudo'] }, 'scopes sudo'],
      ['no expiry', { expires_at: null }, 'expires_at'],
      ['a later expiry', { expires_at: 'LATER' }, 'expires_at'],
      ['no project limit', { projects: undefined }, 'projects or namespaces are required'],
      ['a project outside', { projects: ['alice/other'] }, 'outside this token'],
      ['a namespace outside', { projects: undefined, namespaces: ['alice'] }, 'namespaces: alice'],
      ['no address limit', { allowed_ips: undefined }, 'allowed_ips is required'],
      ['a wider network', { allowed_ips: ['127.0.0.0/7'] }, 'allowed_ips: 127.0.0.0/7'],
      ['no ref limit', { push_refs: undefined }, 'push_refs is required'],
      ['a wider pattern', { push_refs: ['refs/heads/**'] }, 'push_refs: refs/heads/**'],
      ['a pattern crossing components', { push_refs: ['refs/heads/bot/*/*'] }, 'push_refs'],
      ['force-push on', { allow_force_push: true }, 'allow_force_push'],
    ])('refuses %s with 403 naming it', async (_what, change, words) => {
      const body: Record<string, unknown> = { ...base(), ...change };
      if (body.expires_at === 'LATER') body.expires_at = addDays(utcDate(new Date()), 40);
      for (const key of Object.keys(change)) if ((change as Record<string, unknown>)[key] === undefined) delete body[key];
      const res = await mint(parent.token, body);
      expect(res.status, res.text).toBe(403);
      expect(obj(res).message).toContain('broader than this token');
      expect(obj(res).message).toContain(words);
    });

    it('needs the api scope, and refuses under sudo', async () => {
      const reader = (await gw.createToken(alice, ['read_api'])).token;
      expect((await mint(reader, { scopes: ['read_api'] })).status).toBe(403);
      const sudo = (await gw.createToken(admin, ['api', 'sudo'])).token;
      const res = await call('POST', '/user/personal_access_tokens', { token: sudo, headers: { Sudo: 'alice' }, json: { name: 'x', scopes: ['api'] } });
      expect(res.status).toBe(403);
    });

    it('a child cannot outlive its parent: revoking or rotating the parent revokes every descendant', async () => {
      const top = obj(await create({ scopes: ['api'] }));
      const child = obj(await mint(top.token as string, { scopes: ['api'] }));
      const grandchild = obj(await mint(child.token as string, { scopes: ['read_user'] }));
      for (const t of [child, grandchild]) expect((await call('GET', '/user', { token: t.token as string })).status).toBe(200);
      expect((await call('DELETE', `/personal_access_tokens/${top.id}`, { token: adminToken })).status).toBe(204);
      for (const t of [top, child, grandchild]) expect((await call('GET', '/user', { token: t.token as string })).status).toBe(401);

      const second = obj(await create({ scopes: ['api'] }));
      const secondChild = obj(await mint(second.token as string, { scopes: ['read_user'] }));
      const rotated = obj(await call('POST', `/personal_access_tokens/${second.id}/rotate`, { token: adminToken }));
      expect((await call('GET', '/user', { token: secondChild.token as string })).status).toBe(401);
      expect((await call('GET', '/user', { token: rotated.token as string })).status).toBe(200);
    });

    it("revoking a child leaves its parent alone", async () => {
      const top = obj(await create({ scopes: ['api'] }));
      const child = obj(await mint(top.token as string, { scopes: ['read_user'] }));
      expect((await call('DELETE', '/personal_access_tokens/self', { token: child.token as string })).status).toBe(204);
      expect((await call('GET', '/user', { token: top.token as string })).status).toBe(200);
    });
  });
});
