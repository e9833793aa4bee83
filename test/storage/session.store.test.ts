import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { RedisSessionStore } from '../../src/cache/redis-session.store.js';
import type { SessionRecord } from '../../src/sessions/session.js';
import type { SessionStore } from '../../src/sessions/session.store.js';
import { databaseKinds, type TestDatabaseKind } from '../support/databases.js';
import { newUser, T0, useStores } from './harness.js';

const at = (minutes: number): Date => new Date(T0.getTime() + minutes * 60_000);

function session(userId: number, key: string, expiresAt: Date): SessionRecord {
  return {
    key,
    userId,
    data: { stage: 'signed_in', returnTo: '/x', flash: { notice: 'sealed' }, generation: 0 },
    createdAt: T0,
    expiresAt,
    lastSeenAt: T0,
  };
}

const redisUrl = inject('redisUrl');
const variants: Array<{ name: string; kind: TestDatabaseKind; redis: boolean }> = [
  ...databaseKinds().map((kind) => ({ name: kind, kind, redis: false })),
  ...(redisUrl ? [{ name: 'Redis', kind: 'sqlite' as const, redis: true }] : []),
];

describe.each(variants)('SessionStore on $name', ({ kind, redis }) => {
  const sqlStores = useStores(kind);
  let client: Redis | null = null;
  let redisSessions: SessionStore | null = null;
  beforeAll(() => {
    if (redis) client = new Redis(redisUrl!);
  });
  // A key prefix per test, as each test gets a fresh database (and user ids);
  // afterwards the test deletes exactly the keys under its own prefix.
  let prefix = '';
  beforeEach(() => {
    prefix = `gitgate-test:${process.pid}:${randomBytes(4).toString('hex')}:`;
    if (client) redisSessions = new RedisSessionStore(client, prefix);
  });
  afterEach(async () => {
    if (!client) return;
    for await (const keys of client.scanStream({ match: `${prefix}*`, count: 100 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) await client.del(...keys);
    }
  });
  afterAll(() => client?.disconnect());
  const stores = () => ({ ...sqlStores(), ...(redisSessions ? { sessions: redisSessions } : {}) });

  it('round-trips a session to the millisecond and updates its data and deadline', async () => {
    const { users, sessions } = stores();
    const user = await users.create(newUser());
    const record = session(user.id, 'a'.repeat(64), at(120));
    await sessions.create(record);
    expect(await sessions.find(record.key)).toEqual(record);
    expect(await sessions.find('b'.repeat(64))).toBeNull();

    expect(await sessions.updateData(record.key, { stage: 'signed_in', returnTo: null, flash: {}, generation: 0 })).toBe(true);
    expect(await sessions.touch(record.key, at(30), at(150))).toBe(true);
    expect(await sessions.find(record.key)).toEqual({
      ...record,
      data: { stage: 'signed_in', returnTo: null, flash: {}, generation: 0 },
      lastSeenAt: at(30),
      expiresAt: at(150),
    });
    expect(await sessions.touch('c'.repeat(64), at(1), at(2))).toBe(false);
  });

  it('deletes one session, all of a user, the expired ones, and goes with its user', async () => {
    const { users, sessions } = stores();
    const alice = await users.create(newUser());
    const bob = await users.create(newUser());
    await sessions.create(session(alice.id, 'a1', at(10)));
    await sessions.create(session(alice.id, 'a2', at(20)));
    await sessions.create(session(bob.id, 'b1', at(10)));
    await sessions.create(session(bob.id, 'b2', at(30)));

    if (!redis) {
      // Redis expires sessions by TTL instead (see the next test).
      expect(await sessions.deleteExpired(at(10))).toBe(2);
      expect(await sessions.find('a1')).toBeNull();
    }
    expect(await sessions.find('a2')).not.toBeNull();
    await sessions.delete('a2');
    expect(await sessions.find('a2')).toBeNull();
    await sessions.create(session(alice.id, 'a3', at(40)));
    expect(await sessions.deleteAllOfUser(alice.id)).toBe(redis ? 2 : 1);
    expect(await sessions.find('a3')).toBeNull();
    if (!redis) {
      await users.delete(bob.id);
      expect(await sessions.find('b2')).toBeNull();
    }
  });

  it.runIf(redis)('lets Redis expire a session at its deadline, and never resurrects a deleted one', async () => {
    const sessions = stores().sessions;
    const short = { ...session(1, 'short', new Date(T0.getTime() + 50)) };
    await sessions.create(short);
    expect(await sessions.find('short')).not.toBeNull();
    await new Promise((r) => setTimeout(r, 120));
    expect(await sessions.find('short')).toBeNull();
    await sessions.create(session(1, 'gone', at(10)));
    await sessions.delete('gone');
    expect(await sessions.touch('gone', at(1), at(20))).toBe(false);
    expect(await sessions.updateData('gone', { stage: 'signed_in', returnTo: null, flash: {}, generation: 0 })).toBe(false);
    expect(await sessions.find('gone')).toBeNull();
  });
});

describe.each(databaseKinds())('LockoutStore on %s', (kind) => {
  const stores = useStores(kind);

  const limits = { maxAttempts: 10, lockMs: 10 * 60_000, slotTtlMs: 30_000 };

  it('grants at most maxAttempts slots at once, however concurrent, and frees them on settle', async () => {
    const { users, lockouts } = stores();
    const user = await users.create(newUser());
    expect(await lockouts.find(user.id, T0)).toBeNull();
    const answers = await Promise.all(Array.from({ length: 25 }, () => lockouts.reserve(user.id, T0, limits)));
    expect(answers.filter((a) => a.kind === 'granted')).toHaveLength(10);
    expect(answers.filter((a) => a.kind === 'busy')).toHaveLength(15);
    expect(await lockouts.find(user.id, T0)).toEqual({ failedAttempts: 0, lockedUntil: null, attemptsInFlight: 10 });
    await Promise.all(Array.from({ length: 4 }, () => lockouts.settle(user.id, 'failure', T0, limits)));
    await Promise.all(Array.from({ length: 6 }, () => lockouts.settle(user.id, 'neutral', T0, limits)));
    expect(await lockouts.find(user.id, T0)).toEqual({ failedAttempts: 4, lockedUntil: null, attemptsInFlight: 0 });
    const more = await Promise.all(Array.from({ length: 10 }, () => lockouts.reserve(user.id, T0, limits)));
    expect(more.filter((a) => a.kind === 'granted')).toHaveLength(6);
    await users.delete(user.id);
  });

  it('locks on the failure that reaches the limit, lifts a lapsed lock, and a success clears the count', async () => {
    const { users, lockouts } = stores();
    const user = await users.create(newUser());
    for (let i = 0; i < 10; i++) {
      expect((await lockouts.reserve(user.id, T0, limits)).kind).toBe('granted');
      await lockouts.settle(user.id, 'failure', T0, limits);
    }
    expect(await lockouts.reserve(user.id, at(5), limits)).toEqual({ kind: 'blocked', until: at(10) });
    expect((await lockouts.reserve(user.id, at(10), limits)).kind).toBe('granted');
    await lockouts.settle(user.id, 'failure', at(10), limits);
    expect((await lockouts.find(user.id, at(10)))?.failedAttempts).toBe(1);
    expect((await lockouts.reserve(user.id, at(10), limits)).kind).toBe('granted');
    await lockouts.settle(user.id, 'success', at(10), limits);
    expect(await lockouts.find(user.id, at(10))).toEqual({ failedAttempts: 0, lockedUntil: null, attemptsInFlight: 0 });
    await lockouts.clear(user.id);
    expect(await lockouts.find(user.id, at(10))).toBeNull();
    await users.delete(user.id);
  });

  it('presumes slots lost after their deadline (an instance died mid-check)', async () => {
    const { users, lockouts } = stores();
    const user = await users.create(newUser());
    await Promise.all(Array.from({ length: 10 }, () => lockouts.reserve(user.id, T0, limits)));
    expect((await lockouts.reserve(user.id, T0, limits)).kind).toBe('busy');
    const later = new Date(T0.getTime() + limits.slotTtlMs + 1);
    expect(await lockouts.find(user.id, later)).toMatchObject({ attemptsInFlight: 0 });
    expect((await lockouts.reserve(user.id, later, limits)).kind).toBe('granted');
    await users.delete(user.id);
  });
});
