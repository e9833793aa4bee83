import { describe, expect, it } from 'vitest';
import { INSTANCE, type NewAuditEvent } from '../../src/audit/audit-event.js';
import { databaseKinds } from '../support/databases.js';
import { T0, useStores } from './harness.js';

const at = (minutes: number): Date => new Date(T0.getTime() + minutes * 60_000);

const event = (overrides: Partial<NewAuditEvent> = {}): NewAuditEvent => ({
  createdAt: T0,
  action: 'user_blocked',
  author: { id: 1, name: 'root' },
  entity: { type: 'User', id: 7, path: 'alice' },
  target: { type: 'User', id: 7, details: 'alice' },
  ipAddress: '203.0.113.9',
  requestId: 'req-1',
  details: { reason: 'test', list: ['a', 'b'], n: 3, flag: true, none: null },
  onceKey: null,
  ...overrides,
});

describe.each(databaseKinds())('AuditStore on %s', (kind) => {
  const stores = useStores(kind);

  it('round-trips an event, timestamps to the millisecond, details as written', async () => {
    const s = stores();
    const stored = await s.audit.append(event());
    expect(stored).toEqual({ ...event(), id: stored!.id, onceKey: undefined });
    expect(await s.audit.findById(stored!.id)).toEqual(stored);
    expect(await s.audit.findById(stored!.id + 1000)).toBeNull();
  });

  it('keeps one event per once-key and any number without one', async () => {
    const s = stores();
    expect(await s.audit.append(event({ onceKey: 'k' }))).not.toBeNull();
    expect(await s.audit.append(event({ onceKey: 'k', details: {} }))).toBeNull();
    await Promise.all([s.audit.append(event()), s.audit.append(event())]);
    const raced = await Promise.all([1, 2, 3].map(() => s.audit.append(event({ onceKey: 'raced' }))));
    expect(raced.filter((e) => e !== null)).toHaveLength(1);
    expect(await s.audit.count({})).toBe(4);
  });

  it('filters by time (inclusive), entity and involved user, newest first, paginated', async () => {
    const s = stores();
    const a = await s.audit.append(event({ createdAt: at(0) }));
    const b = await s.audit.append(event({ createdAt: at(10), entity: INSTANCE, author: { id: 7, name: 'alice' } }));
    const c = await s.audit.append(event({ createdAt: at(20), entity: { type: 'User', id: 8, path: 'bob' } }));
    const ids = async (q: Parameters<typeof s.audit.list>[0]) => (await s.audit.list(q)).map((e) => e.id);
    expect(await ids({})).toEqual([c!.id, b!.id, a!.id]);
    expect(await ids({ createdAfter: at(10) })).toEqual([c!.id, b!.id]);
    expect(await ids({ createdBefore: at(10) })).toEqual([b!.id, a!.id]);
    expect(await ids({ entityType: 'User' })).toEqual([c!.id, a!.id]);
    expect(await ids({ entityType: 'User', entityId: 7 })).toEqual([a!.id]);
    expect(await ids({ involvingUser: 7 })).toEqual([b!.id, a!.id]);
    expect(await ids({ limit: 1, offset: 1 })).toEqual([b!.id]);
    expect(await s.audit.count({ entityType: 'User', limit: 1 })).toBe(2);
  });

  it('deletes only events older than the retention cut', async () => {
    const s = stores();
    await s.audit.append(event({ createdAt: at(0) }));
    const kept = await s.audit.append(event({ createdAt: at(5) }));
    expect(await s.audit.deleteBefore(at(5))).toBe(1);
    expect((await s.audit.list({})).map((e) => e.id)).toEqual([kept!.id]);
  });
});
