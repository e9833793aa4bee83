/**
 * AuditLog over the real stores: what it fills in, once-only events, the
 * throttle and its summaries, the retention sweep, and a failed write that
 * is logged instead of failing the caller.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.js';
import { UNAUTHENTICATED, userEntity, type AuditRecord } from '../../src/audit/audit-event.js';
import { createLogger } from '../../src/http/logger.js';
import { ManualClock } from '../../src/lib/clock.js';
import { createMetrics } from '../../src/lib/metrics.js';
import { withRequestContext } from '../../src/lib/request-context.js';
import type { Stores } from '../../src/storage/stores.js';
import { databaseKinds } from '../support/databases.js';
import { useStores } from '../storage/harness.js';

const alice = { id: 7, username: 'alice' };
const failure = (user = alice): AuditRecord => ({
  action: 'sign_in_failed',
  author: UNAUTHENTICATED,
  entity: userEntity(user),
  details: { surface: 'web', credential: 'password', reason: 'invalid' },
});

function build(stores: Stores, options: { retentionDays?: number } = {}) {
  const clock = new ManualClock('2026-03-01T10:00:30Z');
  const logs: string[] = [];
  const logger = createLogger('debug', new Writable({ write: (chunk: Buffer, _e, done) => (logs.push(chunk.toString()), done()) }));
  const metrics = createMetrics({ defaultMetrics: false });
  const audit = new AuditLog({ store: stores.audit, clock, logger, metrics, retentionDays: options.retentionDays ?? null });
  const results = async () => Object.fromEntries((await metrics.auditEvents.get()).values.map((v) => [v.labels.result, v.value]));
  return { clock, logs, audit, results };
}

describe.each(databaseKinds())('AuditLog on %s', (kind) => {
  const stores = useStores(kind);

  it('stamps the time, the client address and the request id of the request being served', async () => {
    const { audit } = build(stores());
    await withRequestContext({ requestId: 'req-42', ip: '198.51.100.4' }, () => audit.record(failure()));
    await audit.record({ ...failure(), action: 'user_blocked' });
    const [outside, inside] = (await audit.list({})).events;
    expect(inside).toMatchObject({ createdAt: new Date('2026-03-01T10:00:30Z'), ipAddress: '198.51.100.4', requestId: 'req-42' });
    expect(outside).toMatchObject({ ipAddress: null, requestId: null });
    await audit.close();
  });

  it('records a once-only event once, from one process or several', async () => {
    const s = stores();
    const [one, two] = [build(s), build(s)];
    let built = 0;
    const expired = async (): Promise<AuditRecord> => {
      built += 1;
      return { action: 'personal_access_token_expired', author: UNAUTHENTICATED, entity: userEntity(alice) };
    };
    await Promise.all([one.audit.recordOnce('expired:1', expired), two.audit.recordOnce('expired:1', expired), one.audit.recordOnce('expired:1', expired)]);
    await one.audit.recordOnce('expired:1', expired);
    await two.audit.recordOnce('expired:1', expired);
    expect((await one.audit.list({})).total).toBe(1);
    // Each process asks the database (or builds) at most once; the one that lost the race learns it from the database.
    expect(built).toBeLessThanOrEqual(2);
    // The process that lost the race learned it from the database, once; repeats in a process are not even counted.
    expect(((await one.results()).duplicate ?? 0) + ((await two.results()).duplicate ?? 0)).toBe(1);
    await Promise.all([one.audit.close(), two.audit.close()]);
  });

  it('bounds failed sign-ins per address and in all, and summarizes the rest when the window closes', async () => {
    const { audit, clock, results } = build(stores());
    const from = (ip: string, n: number) => withRequestContext({ ip }, () => Promise.all(Array.from({ length: n }, () => audit.record(failure()))));
    await from('203.0.113.1', 25);
    for (let i = 0; i < 60; i++) await from(`198.51.100.${i}`, 1);
    expect((await audit.list({})).total).toBe(60);
    expect(await results()).toMatchObject({ recorded: 60, suppressed: 25 });
    clock.advance(60_000);
    await withRequestContext({ ip: '203.0.113.1' }, () => audit.record(failure()));
    await audit.flush();
    const { events } = await audit.list({ limit: 2 });
    const summary = events.find((e) => e.details.aggregated === true);
    expect(summary).toMatchObject({
      action: 'sign_in_failed',
      author: { id: -2 },
      entity: { type: 'Gitlab::Audit::InstanceScope', id: 1 },
      details: { suppressed: 25, window_start: '2026-03-01T10:00:00.000Z', window_end: '2026-03-01T10:01:00.000Z' },
    });
    expect(summary?.details.top).toEqual(['203.0.113.1: 15', ...Array.from({ length: 9 }, (_, i) => `198.51.100.${50 + i}: 1`)]);
    expect((await audit.list({})).total).toBe(62);
    await audit.close();
  });

  it('records one successful git sign-in per account, surface and address an hour, and every web sign-in', async () => {
    const { audit, clock } = build(stores());
    const signIn = (surface: string) =>
      withRequestContext({ ip: '192.0.2.1' }, () =>
        audit.record({ action: 'sign_in_succeeded', author: { id: 7, name: 'alice' }, entity: userEntity(alice), details: { surface, credential: 'password' } }),
      );
    for (let i = 0; i < 5; i++) await signIn('git-http');
    await signIn('web');
    await signIn('web');
    clock.advance(3_600_000);
    await signIn('git-http');
    await audit.close();
    const events = (await audit.list({})).events;
    expect(events.map((e) => e.details.surface)).toEqual(['git-http', 'web', 'web', 'git-http']);
  });

  it('writes the summary of an open window at close, so nothing counted is lost', async () => {
    const { audit } = build(stores());
    await withRequestContext({ ip: '203.0.113.1' }, () => Promise.all(Array.from({ length: 12 }, () => audit.record(failure()))));
    await audit.close();
    const { events } = await audit.list({});
    expect(events[0]?.details).toMatchObject({ aggregated: true, suppressed: 2, top: ['203.0.113.1: 2'] });
  });

  it('does not spend a throttle budget on once-only events already stored', async () => {
    const s = stores();
    const { audit } = build(s);
    const used = (n: number) => async (): Promise<AuditRecord> => ({
      action: 'personal_access_token_used_from_new_address',
      author: { id: 7, name: 'alice' },
      entity: userEntity(alice),
      target: { type: 'PersonalAccessToken', id: 1, details: 'ci' },
      details: { address: `10.0.0.${n}` },
    });
    for (let n = 0; n < 10; n++) await audit.recordOnce(`address:${n}`, used(n));
    const restarted = build(s).audit;
    for (let n = 0; n < 10; n++) await restarted.recordOnce(`address:${n}`, used(n));
    await restarted.recordOnce('address:10', used(10));
    expect((await restarted.list({})).total).toBe(11);
    await Promise.all([audit.close(), restarted.close()]);
  });

  it('logs a failed write and resolves: the caller never sees it', async () => {
    const s = stores();
    const { audit, logs, results } = build(s);
    await s.close();
    await expect(audit.record(failure())).resolves.toBeUndefined();
    expect(logs.join('')).toContain('audit event not recorded: the write failed');
    expect((await results()).failed).toBe(1);
    await audit.close();
  });

  it('deletes events past the retention period hourly', async () => {
    const { audit, clock } = build(stores(), { retentionDays: 30 });
    await audit.record(failure());
    clock.advance(31 * 86_400_000);
    await audit.record(failure());
    await audit.deleteExpired();
    expect((await audit.list({})).total).toBe(1);
    await audit.close();
  });
});
