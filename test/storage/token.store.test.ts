import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/lib/errors.js';
import type { Stores } from '../../src/storage/stores.js';
import type { TokenQuery, TokenSort } from '../../src/tokens/token.store.js';
import { databaseKinds } from '../support/databases.js';
import { newToken, newUser, useStores } from './harness.js';

describe.each(databaseKinds())('TokenStore on %s', (kind) => {
  const stores = useStores(kind);
  const userId = async (s: Stores) => (await s.users.create(newUser())).id;

  it('creates and finds a token, round-tripping dates, scopes and links', async () => {
    const s = stores();
    const owner = await userId(s);
    const first = await s.tokens.create(newToken(owner));
    const input = newToken(owner, {
      name: 'CI runner',
      description: 'pulls private repos',
      scopes: ['api', 'read_repository', 'write_registry'],
      expiresAt: '2026-12-31',
      createdAt: new Date('2026-02-03T04:05:06.789Z'),
      previousTokenId: first.id,
    });
    const token = await s.tokens.create(input);
    expect(token).toEqual({ ...input, id: expect.any(Number), revoked: false, lastUsedAt: null, lastUsedIps: [] });
    expect(await s.tokens.findById(token.id)).toEqual(token);
    expect(await s.tokens.findByDigest(input.digest)).toEqual(token);
    expect(await s.tokens.findByDigest('unknown')).toBeNull();
    expect(await s.tokens.findById(token.id + 1000)).toBeNull();
  });

  it('rejects a duplicate digest', async () => {
    const s = stores();
    const owner = await userId(s);
    await s.tokens.create(newToken(owner, { digest: 'same' }));
    await expect(s.tokens.create(newToken(owner, { digest: 'same' }))).rejects.toBeInstanceOf(ConflictError);
  });

  it('records use: last-used time to the millisecond and the IP list', async () => {
    const s = stores();
    const token = await s.tokens.create(newToken(await userId(s)));
    const at = new Date('2026-01-20T08:09:10.011Z');
    await s.tokens.touch(token.id, at, ['2001:db8::1', '10.0.0.1']);
    expect(await s.tokens.findById(token.id)).toMatchObject({ lastUsedAt: at, lastUsedIps: ['2001:db8::1', '10.0.0.1'] });
    await s.tokens.touch(token.id, new Date(at.getTime() + 1), []);
    expect(await s.tokens.findById(token.id)).toMatchObject({ lastUsedAt: new Date(at.getTime() + 1), lastUsedIps: [] });
  });

  it('revokes one token once', async () => {
    const s = stores();
    const token = await s.tokens.create(newToken(await userId(s)));
    expect(await s.tokens.revoke(token.id)).toBe(true);
    expect(await s.tokens.revoke(token.id)).toBe(false);
    expect(await s.tokens.revoke(token.id + 1000)).toBe(false);
    expect(await s.tokens.findById(token.id)).toMatchObject({ revoked: true });
  });

  it('revokes all of one user and returns only the digests it revoked', async () => {
    const s = stores();
    const [alice, bob] = [await userId(s), await userId(s)];
    const a1 = await s.tokens.create(newToken(alice));
    const a2 = await s.tokens.create(newToken(alice, { expiresAt: '2000-01-01' }));
    const a3 = await s.tokens.create(newToken(alice));
    const b1 = await s.tokens.create(newToken(bob));
    await s.tokens.revoke(a3.id);
    expect((await s.tokens.revokeAllOfUser(alice)).sort()).toEqual([a1.digest, a2.digest].sort());
    expect(await s.tokens.revokeAllOfUser(alice)).toEqual([]);
    expect(await s.tokens.findById(b1.id)).toMatchObject({ revoked: false });
  });

  it('revokes a whole rotation family from any member, ancestors and descendants', async () => {
    const s = stores();
    const owner = await userId(s);
    const a = await s.tokens.create(newToken(owner));
    const b = await s.tokens.create(newToken(owner, { previousTokenId: a.id }));
    const c = await s.tokens.create(newToken(owner, { previousTokenId: b.id }));
    const d = await s.tokens.create(newToken(owner, { previousTokenId: c.id }));
    const branch = await s.tokens.create(newToken(owner, { previousTokenId: b.id }));
    const stranger = await s.tokens.create(newToken(owner));
    await s.tokens.revoke(a.id);

    const revoked = await s.tokens.revokeFamily(c.id);
    expect(revoked.sort()).toEqual([b.digest, c.digest, d.digest, branch.digest].sort());
    for (const t of [a, b, c, d, branch]) expect(await s.tokens.findById(t.id)).toMatchObject({ revoked: true });
    expect(await s.tokens.findById(stranger.id)).toMatchObject({ revoked: false });
    expect(await s.tokens.revokeFamily(a.id)).toEqual([]);
    expect(await s.tokens.revokeFamily(stranger.id)).toEqual([stranger.digest]);
    expect(await s.tokens.revokeFamily(999_999)).toEqual([]);
  });

  describe('list and count', () => {
    const day = (n: number) => new Date(Date.UTC(2026, 0, n, 12, 0, 0, 500));

    async function seed(s: Stores) {
      const owner = await userId(s);
      const other = await userId(s);
      const t = {
        old: await s.tokens.create(newToken(owner, { name: 'Deploy key', createdAt: day(1), expiresAt: '2026-01-10' })),
        today: await s.tokens.create(newToken(owner, { name: 'deploy 100%', createdAt: day(2), expiresAt: '2026-01-15' })),
        later: await s.tokens.create(newToken(owner, { name: 'laptop', createdAt: day(3), expiresAt: '2026-03-01' })),
        never: await s.tokens.create(newToken(owner, { name: 'backup_job', createdAt: day(4), expiresAt: null })),
        revoked: await s.tokens.create(newToken(owner, { name: 'Zed', createdAt: day(5), expiresAt: '2026-06-01' })),
        foreign: await s.tokens.create(newToken(other, { name: 'deploy', createdAt: day(6) })),
      };
      await s.tokens.revoke(t.revoked.id);
      await s.tokens.touch(t.later.id, day(10), ['10.0.0.1']);
      await s.tokens.touch(t.never.id, day(12), ['10.0.0.2']);
      await s.tokens.touch(t.old.id, day(11), ['10.0.0.3']);
      return { owner, t };
    }

    it('filters by user, revocation, activity at a date, name, and dates', async () => {
      const s = stores();
      const { owner, t } = await seed(s);
      const names = async (q: TokenQuery) => {
        const rows = await s.tokens.list({ userId: owner, ...q });
        if (q.limit === undefined && q.offset === undefined) {
          expect(await s.tokens.count({ userId: owner, ...q })).toBe(rows.length);
        }
        return rows.map((r) => r.id);
      };
      expect(await names({})).toEqual([t.old.id, t.today.id, t.later.id, t.never.id, t.revoked.id]);
      expect(await s.tokens.count({})).toBe(6);
      expect(await names({ revoked: true })).toEqual([t.revoked.id]);
      expect(await names({ revoked: false })).toEqual([t.old.id, t.today.id, t.later.id, t.never.id]);
      // A token stops working at the start of its expiry date.
      expect(await names({ state: { active: true, today: '2026-01-15' } })).toEqual([t.later.id, t.never.id]);
      expect(await names({ state: { active: false, today: '2026-01-15' } })).toEqual([t.old.id, t.today.id, t.revoked.id]);
      expect(await names({ state: { active: true, today: '2026-01-14' } })).toEqual([t.today.id, t.later.id, t.never.id]);
      expect(await names({ search: 'DEPLOY' })).toEqual([t.old.id, t.today.id]);
      expect(await names({ search: '0%' })).toEqual([t.today.id]);
      expect(await names({ search: 'p_j' })).toEqual([t.never.id]);
      expect(await names({ search: '_' })).toEqual([t.never.id]);
      expect(await names({ createdBefore: day(3) })).toEqual([t.old.id, t.today.id]);
      expect(await names({ createdAfter: day(3) })).toEqual([t.never.id, t.revoked.id]);
      expect(await names({ createdAfter: new Date(day(3).getTime() - 1) })).toEqual([t.later.id, t.never.id, t.revoked.id]);
      expect(await names({ lastUsedBefore: day(12) })).toEqual([t.old.id, t.later.id]);
      expect(await names({ lastUsedAfter: day(10) })).toEqual([t.old.id, t.never.id]);
      expect(await names({ expiresBefore: '2026-03-01' })).toEqual([t.old.id, t.today.id]);
      expect(await names({ expiresAfter: '2026-01-15' })).toEqual([t.later.id, t.revoked.id]);
      expect(await names({ limit: 2, offset: 1 })).toEqual([t.today.id, t.later.id]);
      expect(await names({ offset: 4 })).toEqual([t.revoked.id]);
      expect(await s.tokens.list({ userId: owner, limit: 1 })).toHaveLength(1);
      expect(await s.tokens.count({ userId: owner, limit: 1 })).toBe(5);
    });

    it('sorts every way, NULLs last in both directions, ties by id', async () => {
      const s = stores();
      const { owner, t } = await seed(s);
      const sorted = async (sort: TokenSort) => (await s.tokens.list({ userId: owner, sort })).map((r) => r.id);
      const { old, today, later, never, revoked } = t;
      const expected: Record<TokenSort, number[]> = {
        created_asc: [old.id, today.id, later.id, never.id, revoked.id],
        created_desc: [revoked.id, never.id, later.id, today.id, old.id],
        expires_asc: [old.id, today.id, later.id, revoked.id, never.id],
        expires_desc: [revoked.id, later.id, today.id, old.id, never.id],
        last_used_asc: [later.id, old.id, never.id, today.id, revoked.id],
        last_used_desc: [never.id, old.id, later.id, today.id, revoked.id],
        name_asc: [never.id, today.id, old.id, later.id, revoked.id],
        name_desc: [revoked.id, later.id, old.id, today.id, never.id],
      };
      for (const [sort, ids] of Object.entries(expected)) {
        expect({ sort, ids: await sorted(sort as TokenSort) }).toEqual({ sort, ids });
      }
    });
  });
});
