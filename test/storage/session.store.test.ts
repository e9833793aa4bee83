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
    data: { stage: 'signed_in', returnTo: '/x', flash: { notice: 'sealed' } },
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

    expect(await sessions.updateData(record.key, { stage: 'signed_in', returnTo: null, flash: {} })).toBe(true);
    expect(await sessions.touch(record.key, at(30), at(150))).toBe(true);
    expect(await sessions.find(record.key)).toEqual({
      ...record,
      data: { stage: 'signed_in', returnTo: null, flash: {} },
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
    expect(await sessions.updateData('gone', { stage: 'signed_in', returnTo: null, flash: {} })).toBe(false);
    expect(await sessions.find('gone')).toBeNull();
  });
});

describe.each(databaseKinds())('LockoutStore on %s', (kind) => {
  const stores = useStores(kind);

  it('counts failures atomically, locks, and clears', async () => {
    const { users, lockouts } = stores();
    const user = await users.create(newUser());
    expect(await lockouts.find(user.id)).toBeNull();
    const counts = await Promise.all(Array.from({ length: 5 }, () => lockouts.addFailure(user.id, T0)));
    expect(counts.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(await lockouts.find(user.id)).toEqual({ failedAttempts: 5, lockedUntil: null });

    await lockouts.lock(user.id, at(10), T0);
    expect(await lockouts.find(user.id)).toEqual({ failedAttempts: 0, lockedUntil: at(10) });
    expect(await lockouts.addFailure(user.id, at(1))).toBe(1);
    await lockouts.clear(user.id);
    expect(await lockouts.find(user.id)).toBeNull();
    await users.delete(user.id);
  });
});
