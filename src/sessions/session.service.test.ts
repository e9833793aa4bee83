import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import type { SessionData, SessionRecord } from './session.js';
import { SessionService } from './session.service.js';
import type { SessionStore } from './session.store.js';

/** The store contract in memory, counting writes. */
class MemoryStore implements SessionStore {
  readonly rows = new Map<string, SessionRecord>();
  touches = 0;
  async create(s: SessionRecord) {
    this.rows.set(s.key, structuredClone(s));
  }
  async find(key: string) {
    const s = this.rows.get(key);
    return s ? structuredClone(s) : null;
  }
  async updateData(key: string, data: SessionData) {
    const s = this.rows.get(key);
    if (s) s.data = structuredClone(data);
    return s !== undefined;
  }
  async touch(key: string, lastSeenAt: Date, expiresAt: Date) {
    this.touches++;
    const s = this.rows.get(key);
    if (s) Object.assign(s, { lastSeenAt, expiresAt });
    return s !== undefined;
  }
  async delete(key: string) {
    this.rows.delete(key);
  }
  async deleteAllOfUser(userId: number) {
    const keys = [...this.rows.values()].filter((s) => s.userId === userId).map((s) => s.key);
    keys.forEach((k) => this.rows.delete(k));
    return keys.length;
  }
  async deleteExpired(now: Date) {
    const keys = [...this.rows.values()].filter((s) => s.expiresAt <= now).map((s) => s.key);
    keys.forEach((k) => this.rows.delete(k));
    return keys.length;
  }
}

const MINUTE = 60_000;
const OWNER = { id: 1, sessionGeneration: 0 };

function setup() {
  const store = new MemoryStore();
  const clock = new ManualClock('2026-01-15T12:00:00Z');
  const sessions = new SessionService({ store, clock, sealKey: Buffer.alloc(32, 7) });
  return { store, clock, sessions };
}

describe('SessionService', () => {
  it('hands out 256-bit ids and stores only their SHA-256', async () => {
    const { store, sessions } = setup();
    const { cookieValue, session } = await sessions.start(OWNER, 'signed_in');
    expect(cookieValue).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.key).toBe(createHash('sha256').update(cookieValue).digest('hex'));
    expect([...store.rows.keys()]).toEqual([session.key]);
    expect(JSON.stringify([...store.rows.values()])).not.toContain(cookieValue);
  });

  it('resumes nothing for malformed, unknown or corrupted sessions, deleting the corrupted', async () => {
    const { store, sessions } = setup();
    expect(await sessions.resume(undefined)).toBeNull();
    expect(await sessions.resume('short')).toBeNull();
    expect(await sessions.resume('x'.repeat(43))).toBeNull();
    const { cookieValue, session } = await sessions.start(OWNER, 'signed_in');
    store.rows.get(session.key)!.data = { stage: 'admin' } as unknown as SessionData;
    expect(await sessions.resume(cookieValue)).toBeNull();
    expect(store.rows.size).toBe(0);
  });

  it('slides the idle deadline, at most one write a minute, never past the absolute one', async () => {
    const { store, clock, sessions } = setup();
    const { cookieValue } = await sessions.start(OWNER, 'signed_in');
    clock.advance(30_000);
    await sessions.resume(cookieValue);
    expect(store.touches).toBe(0);
    clock.advance(90 * MINUTE);
    const touched = await sessions.resume(cookieValue);
    expect(store.touches).toBe(1);
    expect(touched?.expiresAt).toEqual(new Date(clock.now().getTime() + 120 * MINUTE));
    clock.set('2026-01-16T11:30:00Z');
    store.rows.forEach((s) => (s.expiresAt = new Date('2026-01-16T12:30:00Z')));
    expect((await sessions.resume(cookieValue))?.expiresAt).toEqual(new Date('2026-01-16T12:00:00Z'));
    clock.set('2026-01-16T12:00:00Z');
    expect(await sessions.resume(cookieValue)).toBeNull();
  });

  it('gives a session owing the TOTP code 10 minutes, without extensions', async () => {
    const { clock, sessions } = setup();
    const { cookieValue } = await sessions.start(OWNER, 'two_factor');
    clock.advance(9 * MINUTE);
    expect((await sessions.resume(cookieValue))?.data.stage).toBe('two_factor');
    clock.advance(MINUTE);
    expect(await sessions.resume(cookieValue)).toBeNull();
  });

  it('keeps flash values sealed at rest and hands each out once', async () => {
    const { store, sessions } = setup();
    const { cookieValue, session } = await sessions.start(OWNER, 'signed_in');
    await sessions.setFlash(session, 'new_token', 'glpat-secret-value');
    expect(JSON.stringify(store.rows.get(session.key))).not.toContain('glpat-secret-value');
    const reloaded = (await sessions.resume(cookieValue))!;
    expect(await sessions.takeFlash(reloaded, 'new_token')).toBe('glpat-secret-value');
    expect(await sessions.takeFlash((await sessions.resume(cookieValue))!, 'new_token')).toBeNull();

    await sessions.setFlash(session, 'tampered', 'value');
    const stored = store.rows.get(session.key)!;
    stored.data.flash.tampered = stored.data.flash.tampered!.slice(0, -2) + 'AA';
    expect(await sessions.takeFlash((await sessions.resume(cookieValue))!, 'tampered')).toBeNull();
  });
});
