/**
 * `/projects/:id/repository/branches` and `/tags`, read-only, as GitLab
 * answers them: entity fields from git, search, sort and pagination, names
 * with slashes, and who may read them, on every database of the run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Project } from '../../src/projects/project.js';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { gitOk, tempDir } from '../support/git-cli.js';
import { apiClient, list, obj } from './api-client.js';

const at = (iso: string) => ({ GIT_AUTHOR_DATE: iso, GIT_COMMITTER_DATE: iso });

describe.each(databaseKinds())('repository branches and tags on %s', (kind) => {
  let gw: Gateway;
  let call: ReturnType<typeof apiClient>;
  let alice: User, rita: User, dev: User, gus: User;
  let secret: Project, open: Project, empty: Project;
  const token: Record<string, string> = {};
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    gw = await startGateway(kind);
    call = apiClient(gw);
    [alice, rita, dev, gus] = (await Promise.all(['alice', 'rita', 'dev', 'gus', 'mallory'].map((n) => gw.createUser(n)))) as [User, User, User, User];
    secret = await gw.createProject(alice, 'secret');
    open = await gw.createProject(alice, 'open', 'public');
    empty = await gw.createProject(alice, 'empty');
    await gw.addMember(secret, rita, 'reporter');
    await gw.addMember(secret, dev, 'developer');
    await gw.addMember(secret, gus, 'guest');
    for (const name of ['alice', 'rita', 'dev', 'gus', 'mallory']) {
      const user = await gw.system.users.getByUsername(name);
      token[name] = (await gw.createToken(user, ['read_api'])).token;
    }

    const work = tempDir();
    await gitOk(['init', '-q', '-b', 'main', work]);
    await gitOk(['-C', work, 'commit', '-q', '--allow-empty', '-m', 'Initial commit'], { env: at('2024-01-01T10:00:00+02:00') });
    ids.first = (await gitOk(['-C', work, 'rev-parse', 'HEAD'])).trim();
    await gitOk(['-C', work, 'branch', 'merged-topic']);
    await gitOk(['-C', work, 'commit', '-q', '--allow-empty', '-m', 'Add feature\n\nLonger text.\n\nSigned-off-by: Ann <ann@example.test>\n'], {
      env: at('2024-01-03T10:00:00-05:00'),
    });
    ids.main = (await gitOk(['-C', work, 'rev-parse', 'HEAD'])).trim();
    await gitOk(['-C', work, 'checkout', '-q', '-b', 'feature/x', ids.first]);
    await gitOk(['-C', work, 'commit', '-q', '--allow-empty', '-m', 'Work in progress'], { env: at('2024-01-02T10:00:00+00:00') });
    ids.feature = (await gitOk(['-C', work, 'rev-parse', 'HEAD'])).trim();
    await gitOk(['-C', work, 'branch', 'Feature/Upper', ids.feature]);
    await gitOk(['-C', work, 'branch', 'main-backup', ids.main]);
    await gitOk(['-C', work, 'tag', 'v1.2', ids.first]);
    await gitOk(['-C', work, 'tag', '-a', '-m', 'Version 1.10', 'v1.10', ids.main], { env: at('2024-02-01T00:00:00+01:00') });
    await gitOk(['-C', work, 'tag', '-a', '-m', 'Version 1.9', 'v1.9', ids.feature], { env: at('2024-03-01T00:00:00+01:00') });
    for (const project of [secret, open]) await gitOk(['-C', work, 'push', '-q', gw.repoPath(project), 'refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*']);
  });
  afterAll(() => gw?.stop());

  const get = (path: string, who: string | null = 'alice') => call('GET', path, who ? { token: token[who] } : {});
  const names = (res: Awaited<ReturnType<typeof call>>) => list(res).map((b) => b.name);

  describe('branches', () => {
    it("lists them by name with GitLab's fields, the commit read from git", async () => {
      const res = await get(`/projects/${secret.id}/repository/branches`);
      expect(res.status, res.text).toBe(200);
      expect(names(res)).toEqual(['Feature/Upper', 'feature/x', 'main', 'main-backup', 'merged-topic']);
      const main = list(res).find((b) => b.name === 'main')!;
      expect(main).toEqual({
        name: 'main',
        commit: {
          id: ids.main,
          short_id: ids.main!.slice(0, 8),
          created_at: '2024-01-03T10:00:00.000-05:00',
          parent_ids: [ids.first],
          title: 'Add feature',
          message: 'Add feature\n\nLonger text.\n\nSigned-off-by: Ann <ann@example.test>\n',
          author_name: 'Test Author',
          author_email: 'author@example.test',
          authored_date: '2024-01-03T10:00:00.000-05:00',
          committer_name: 'Test Author',
          committer_email: 'author@example.test',
          committed_date: '2024-01-03T10:00:00.000-05:00',
          trailers: { 'Signed-off-by': 'Ann <ann@example.test>' },
          extended_trailers: { 'Signed-off-by': ['Ann <ann@example.test>'] },
        },
        merged: false,
        protected: false,
        developers_can_push: false,
        developers_can_merge: false,
        can_push: true,
        default: true,
      });
      const flags = Object.fromEntries(list(res).map((b) => [b.name, [b.merged, b.default]]));
      expect(flags).toEqual({
        'Feature/Upper': [false, false],
        'feature/x': [false, false],
        // As GitLab: a branch at the default branch's commit (the default branch too) is not "merged".
        main: [false, true],
        'main-backup': [false, false],
        'merged-topic': [true, false],
      });
    });

    it('says whether the caller may push', async () => {
      expect(list(await get(`/projects/${secret.id}/repository/branches`, 'rita')).every((b) => b.can_push === false)).toBe(true);
      expect(list(await get(`/projects/${secret.id}/repository/branches`, 'dev')).every((b) => b.can_push === true)).toBe(true);
      expect(list(await get(`/projects/${open.id}/repository/branches`, null)).every((b) => b.can_push === false)).toBe(true);
    });

    it('searches as GitLab does: case-insensitive, exact match first, ^ $ and *', async () => {
      const search = async (term: string) => names(await get(`/projects/${secret.id}/repository/branches?search=${encodeURIComponent(term)}`));
      expect(await search('FEATURE')).toEqual(['Feature/Upper', 'feature/x']);
      expect(await search('main')).toEqual(['main', 'main-backup']);
      expect(await search('backup')).toEqual(['main-backup']);
      expect(await search('^m')).toEqual(['main', 'main-backup', 'merged-topic']);
      expect(await search('x$')).toEqual(['feature/x']);
      expect(await search('m*topic')).toEqual(['merged-topic']);
      expect(await search('nothing')).toEqual([]);
    });

    it('sorts by last update and pages with GitLab\'s headers', async () => {
      expect(names(await get(`/projects/${secret.id}/repository/branches?sort=updated_desc`))).toEqual([
        'main', 'main-backup', 'Feature/Upper', 'feature/x', 'merged-topic',
      ]);
      expect(names(await get(`/projects/${secret.id}/repository/branches?sort=updated_asc`))[0]).toBe('merged-topic');
      const page2 = await get(`/projects/${secret.id}/repository/branches?per_page=2&page=2`);
      expect(names(page2)).toEqual(['main', 'main-backup']);
      expect(page2.headers.get('x-total')).toBe('5');
      expect(page2.headers.get('x-total-pages')).toBe('3');
      expect(page2.headers.get('x-next-page')).toBe('3');
      expect(page2.headers.get('link')).toContain('rel="next"');
      expect((await get(`/projects/${secret.id}/repository/branches?sort=newest`)).status).toBe(400);
    });

    it('gets one branch by its URL-encoded name, slashes included, by id or project path', async () => {
      const res = await get(`/projects/${secret.id}/repository/branches/feature%2Fx`);
      expect(res.status, res.text).toBe(200);
      expect(obj(res)).toMatchObject({ name: 'feature/x', merged: false, default: false, commit: { id: ids.feature, title: 'Work in progress' } });
      expect(obj(await get(`/projects/alice%2Fsecret/repository/branches/main`))).toMatchObject({ name: 'main', merged: false, default: true });
      expect(obj(await get(`/projects/${secret.id}/repository/branches/merged-topic`))).toMatchObject({ merged: true });
    });

    it('answers 404 for a missing branch or a name git would not take', async () => {
      for (const name of ['nope', 'feature', 'Feature%2Fx', '..%2Fmain', 'a%20b', 'refs%2Fheads%2Fmain', '%2A']) {
        const res = await get(`/projects/${secret.id}/repository/branches/${name}`);
        expect(res.status, name).toBe(404);
        expect(obj(res), name).toEqual({ message: '404 Branch Not Found' });
      }
      expect((await get(`/projects/${secret.id}/repository/branches/feature/x`)).status).toBe(404);
    });

    it('lists nothing in an empty repository, whose default branch is still main', async () => {
      const res = await get(`/projects/${empty.id}/repository/branches`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual([]);
      expect(res.headers.get('x-total')).toBe('0');
      expect((await get(`/projects/${empty.id}/repository/branches/main`)).status).toBe(404);
    });
  });

  describe('tags', () => {
    it('lists the newest first by default, annotated and lightweight as GitLab shows them', async () => {
      const res = await get(`/projects/${secret.id}/repository/tags`);
      expect(res.status, res.text).toBe(200);
      expect(names(res)).toEqual(['v1.9', 'v1.10', 'v1.2']);
      const [v19, v110, v12] = list(res) as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
      expect(v110).toMatchObject({ message: 'Version 1.10', created_at: '2024-02-01T00:00:00.000+01:00', release: null, protected: false });
      expect(v110.target).not.toBe(ids.main);
      expect(v110.commit).toMatchObject({ id: ids.main, title: 'Add feature' });
      expect(v19).toMatchObject({ commit: { id: ids.feature } });
      expect(v12).toMatchObject({ message: '', target: ids.first, created_at: null, commit: { id: ids.first, parent_ids: [] } });
    });

    it('orders by name or version, either way, searches and pages', async () => {
      const tags = async (query: string) => names(await get(`/projects/${secret.id}/repository/tags?${query}`));
      expect(await tags('order_by=name&sort=asc')).toEqual(['v1.10', 'v1.2', 'v1.9']);
      expect(await tags('order_by=version&sort=asc')).toEqual(['v1.2', 'v1.9', 'v1.10']);
      expect(await tags('order_by=version')).toEqual(['v1.10', 'v1.9', 'v1.2']);
      expect(await tags('order_by=updated&sort=asc')).toEqual(['v1.2', 'v1.10', 'v1.9']);
      expect(await tags('search=1.1')).toEqual(['v1.10']);
      expect(await tags('search=^v1.*0$')).toEqual(['v1.10']);
      const page = await get(`/projects/${secret.id}/repository/tags?per_page=1&page=3`);
      expect(names(page)).toEqual(['v1.2']);
      expect(page.headers.get('x-total')).toBe('3');
      expect((await get(`/projects/${secret.id}/repository/tags?order_by=date`)).status).toBe(400);
    });

    it('lists nothing in an empty repository', async () => {
      expect((await get(`/projects/${empty.id}/repository/tags`)).body).toEqual([]);
    });
  });

  describe('who may read them', () => {
    const paths = () => [`/projects/${secret.id}/repository/branches`, `/projects/${secret.id}/repository/branches/main`, `/projects/${secret.id}/repository/tags`];

    it('a reporter and up, with read_api or api', async () => {
      for (const path of paths()) {
        expect((await get(path, 'rita')).status, path).toBe(200);
        const api = (await gw.createToken(rita, ['api'])).token;
        expect((await call('GET', path, { token: api })).status, path).toBe(200);
      }
    });

    it("not a guest (403, as GitLab's authorize_read_code!), and nobody who cannot see the project (404)", async () => {
      for (const path of paths()) {
        expect(await get(path, 'gus'), path).toMatchObject({ status: 403, body: { message: '403 Forbidden' } });
        expect(await get(path, 'mallory'), path).toMatchObject({ status: 404, body: { message: '404 Project Not Found' } });
        expect((await get(path, null)).status, path).toBe(404);
      }
      expect((await get(`/projects/99999/repository/branches`)).status).toBe(404);
    });

    it('anyone for a public project, without a token', async () => {
      expect(names(await get(`/projects/${open.id}/repository/branches`, null))).toContain('main');
      expect(names(await get(`/projects/alice%2Fopen/repository/tags`, null))).toHaveLength(3);
    });

    it('not a token limited to git or to the user', async () => {
      for (const scope of ['read_repository', 'read_user']) {
        const limited = (await gw.createToken(alice, [scope])).token;
        const res = await call('GET', `/projects/${secret.id}/repository/branches`, { token: limited });
        expect(res.status).toBe(403);
        expect(obj(res)).toMatchObject({ error: 'insufficient_scope', scope: 'api read_api' });
      }
    });
  });
});
