import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/lib/errors.js';
import { AccessLevel } from '../../src/identity/access-level.js';
import type { ProjectQuery } from '../../src/projects/project.store.js';
import type { Stores } from '../../src/storage/stores.js';
import { databaseKinds } from '../support/databases.js';
import { newProject, newUser, useStores } from './harness.js';

describe.each(databaseKinds())('ProjectStore on %s', (kind) => {
  const stores = useStores(kind);
  const creator = async (s: Stores) => (await s.users.create(newUser())).id;

  it('creates, finds (path case-insensitively), updates and deletes', async () => {
    const s = stores();
    const input = newProject(await creator(s), {
      namespace: 'Alice',
      path: 'My-Repo',
      description: 'desc',
      visibility: 'internal',
      createdAt: new Date('2026-05-06T07:08:09.012Z'),
    });
    const project = await s.projects.create(input);
    expect(project).toEqual({ ...input, id: expect.any(Number) });
    expect(await s.projects.findById(project.id)).toEqual(project);
    expect(await s.projects.findByPath('alice', 'my-repo')).toEqual(project);
    expect(await s.projects.findByPath('alice', 'other')).toBeNull();

    const updated = await s.projects.update(project.id, { name: 'Renamed', description: null, visibility: 'public' });
    expect(updated).toEqual({ ...project, name: 'Renamed', description: null, visibility: 'public' });
    expect(await s.projects.update(project.id, {})).toEqual(updated);
    expect(await s.projects.update(project.id + 1000, { name: 'x' })).toBeNull();
    expect(await s.projects.delete(project.id)).toBe(true);
    expect(await s.projects.delete(project.id)).toBe(false);
    expect(await s.projects.findById(project.id)).toBeNull();
  });

  it('rejects a namespace/path taken in another case, allows the path in another namespace', async () => {
    const s = stores();
    const id = await creator(s);
    await s.projects.create(newProject(id, { namespace: 'alice', path: 'repo' }));
    await expect(s.projects.create(newProject(id, { namespace: 'ALICE', path: 'Repo' }))).rejects.toThrow(
      new ConflictError('Project path has already been taken'),
    );
    await expect(s.projects.create(newProject(id, { namespace: 'bob', path: 'repo' }))).resolves.toMatchObject({ path: 'repo' });
  });

  it('keeps a project when its creator is deleted', async () => {
    const s = stores();
    const id = await creator(s);
    const project = await s.projects.create(newProject(id));
    await s.users.delete(id);
    expect(await s.projects.findById(project.id)).toEqual(project);
  });

  it('manages members: upsert replaces, list by user id, count, remove, cascades', async () => {
    const s = stores();
    const [u1, u2, u3] = [await creator(s), await creator(s), await creator(s)];
    const project = await s.projects.create(newProject(u1));
    const other = await s.projects.create(newProject(u1));
    const at = new Date('2026-02-02T02:02:02.202Z');
    const m3 = await s.projects.upsertMember({ projectId: project.id, userId: u3, accessLevel: AccessLevel.reporter, createdAt: at });
    expect(m3).toEqual({ projectId: project.id, userId: u3, accessLevel: AccessLevel.reporter, createdAt: at });
    await s.projects.upsertMember({ projectId: project.id, userId: u2, accessLevel: AccessLevel.developer, createdAt: at });
    await s.projects.upsertMember({ projectId: other.id, userId: u2, accessLevel: AccessLevel.guest, createdAt: at });
    const later = new Date(at.getTime() + 1);
    const replaced = await s.projects.upsertMember({ projectId: project.id, userId: u3, accessLevel: AccessLevel.maintainer, createdAt: later });
    expect(replaced).toEqual({ projectId: project.id, userId: u3, accessLevel: AccessLevel.maintainer, createdAt: later });
    expect(await s.projects.findMember(project.id, u3)).toEqual(replaced);
    expect(await s.projects.findMember(project.id, u1)).toBeNull();

    expect((await s.projects.listMembers(project.id)).map((m) => m.userId)).toEqual([u2, u3]);
    expect((await s.projects.listMembers(project.id, 1)).map((m) => m.userId)).toEqual([u2]);
    expect((await s.projects.listMembers(project.id, 1, 1)).map((m) => m.userId)).toEqual([u3]);
    expect((await s.projects.listMembers(project.id, undefined, 1)).map((m) => m.userId)).toEqual([u3]);
    expect(await s.projects.countMembers(project.id)).toBe(2);
    expect(await s.projects.memberLevels(u2, [project.id, other.id, 999_999])).toEqual(
      new Map([
        [project.id, AccessLevel.developer],
        [other.id, AccessLevel.guest],
      ]),
    );
    expect(await s.projects.memberLevels(u1, [project.id, other.id])).toEqual(new Map());
    expect(await s.projects.memberLevels(u2, [])).toEqual(new Map());

    expect(await s.projects.removeMember(project.id, u3)).toBe(true);
    expect(await s.projects.removeMember(project.id, u3)).toBe(false);
    await s.users.delete(u2);
    expect(await s.projects.countMembers(project.id)).toBe(0);
    await s.projects.upsertMember({ projectId: other.id, userId: u3, accessLevel: AccessLevel.guest, createdAt: at });
    await s.projects.delete(other.id);
    expect(await s.projects.findMember(other.id, u3)).toBeNull();
  });

  describe('list and count', () => {
    async function seed(s: Stores) {
      const alice = await s.users.create(newUser({ username: 'Alice' }));
      const bob = await s.users.create(newUser({ username: 'bob' }));
      const mk = (namespace: string, path: string, visibility: 'private' | 'internal' | 'public') =>
        s.projects.create(newProject(alice.id, { namespace, path, name: path.toUpperCase(), visibility }));
      const p = {
        pub: await mk('carol', 'public-site', 'public'),
        internal: await mk('carol', 'handbook', 'internal'),
        secret: await mk('carol', 'secret_plans', 'private'),
        aliceOwn: await mk('alice', 'dotfiles', 'private'),
        bobOwn: await mk('BOB', 'notes', 'private'),
        shared: await mk('carol', 'shared', 'private'),
      };
      await s.projects.upsertMember({ projectId: p.shared.id, userId: alice.id, accessLevel: AccessLevel.guest, createdAt: new Date() });
      return { alice: { userId: alice.id, username: 'ALICE' }, bob: { userId: bob.id, username: 'bob' }, p };
    }

    it('applies visibleTo, memberOf and the other filters; count agrees; ordered by id', async () => {
      const s = stores();
      const { alice, bob, p } = await seed(s);
      const ids = async (q: ProjectQuery) => {
        const rows = await s.projects.list(q);
        if (q.limit === undefined && q.offset === undefined) expect(await s.projects.count(q)).toBe(rows.length);
        return rows.map((r) => r.id);
      };
      const all = [p.pub, p.internal, p.secret, p.aliceOwn, p.bobOwn, p.shared].map((x) => x.id);
      expect(await ids({})).toEqual(all);
      expect(await ids({ visibleTo: null })).toEqual([p.pub.id]);
      expect(await ids({ visibleTo: alice })).toEqual([p.pub.id, p.internal.id, p.aliceOwn.id, p.shared.id]);
      expect(await ids({ visibleTo: bob })).toEqual([p.pub.id, p.internal.id, p.bobOwn.id]);
      expect(await ids({ memberOf: alice })).toEqual([p.aliceOwn.id, p.shared.id]);
      expect(await ids({ memberOf: bob })).toEqual([p.bobOwn.id]);
      expect(await ids({ visibleTo: alice, visibility: 'private' })).toEqual([p.aliceOwn.id, p.shared.id]);
      expect(await ids({ visibility: 'internal' })).toEqual([p.internal.id]);
      expect(await ids({ search: 'SITE' })).toEqual([p.pub.id]);
      expect(await ids({ search: 't_p' })).toEqual([p.secret.id]);
      expect(await ids({ search: '%' })).toEqual([]);
      expect(await ids({ namespace: 'Carol' })).toEqual([p.pub.id, p.internal.id, p.secret.id, p.shared.id]);
      expect(await ids({ namespace: 'carol', visibleTo: bob })).toEqual([p.pub.id, p.internal.id]);
      expect(await ids({ limit: 2, offset: 1 })).toEqual(all.slice(1, 3));
      expect(await ids({ offset: 5 })).toEqual(all.slice(5));
      expect(await s.projects.count({ visibleTo: alice, limit: 1 })).toBe(4);
    });
  });
});
