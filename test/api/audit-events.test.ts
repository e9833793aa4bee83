/**
 * GET /api/v4/audit_events and /audit_events/:id as GitLab answers them:
 * administrators only, GitLab's entity fields, the filters, newest first,
 * and GitLab's pagination headers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { apiClient, list, obj } from './api-client.js';

describe.each(databaseKinds())('GET /audit_events on %s', (kind) => {
  let gw: Gateway;
  let call: ReturnType<typeof apiClient>;
  let admin: string;
  let alice: User;
  let bob: User;
  let aliceToken: string;

  beforeAll(async () => {
    gw = await startGateway(kind);
    call = apiClient(gw);
    const root = await gw.createUser('auditor', { admin: true });
    admin = (await gw.createToken(root, ['read_api'])).token;
    alice = await gw.createUser('alice');
    bob = await gw.createUser('bob');
    aliceToken = (await gw.createToken(alice, ['api'])).token;
    gw.clock.set('2031-01-10T08:00:00Z');
    await gw.system.users.block(bob.id, { id: root.id, username: root.username, isAdmin: true });
    gw.clock.set('2031-01-12T08:00:00Z');
    await gw.system.users.unblock(bob.id, { id: root.id, username: root.username, isAdmin: true });
    gw.clock.set('2031-01-14T08:00:00Z');
    await gw.system.users.setPassword(alice.id, 'a-new-password');
    gw.clock.set(new Date());
    await gw.system.audit.flush();
  });
  afterAll(() => gw?.stop());

  it('answers administrators only', async () => {
    expect((await call('GET', '/audit_events')).status).toBe(401);
    expect(await call('GET', '/audit_events', { token: aliceToken })).toMatchObject({ status: 403, body: { message: '403 Forbidden' } });
    expect((await call('GET', '/audit_events', { token: admin })).status).toBe(200);
  });

  it("lists newest first in GitLab's shape", async () => {
    const res = await call('GET', '/audit_events?created_after=2031-01-01&created_before=2031-02-01', { token: admin });
    expect(list(res).map((e) => (e.details as Record<string, unknown>).event_name)).toEqual(['password_changed', 'user_unblocked', 'user_blocked']);
    expect(list(res)[2]).toEqual({
      id: expect.any(Number),
      author_id: expect.any(Number),
      entity_id: bob.id,
      entity_type: 'User',
      details: {
        event_name: 'user_blocked',
        author_name: 'auditor',
        target_id: bob.id,
        target_type: 'User',
        target_details: 'bob',
        ip_address: null,
        entity_path: 'bob',
        request_id: null,
      },
      created_at: '2031-01-10T08:00:00.000Z',
    });
    expect(list(res)[0]).toMatchObject({ author_id: alice.id, details: { author_name: 'alice', event_name: 'password_changed' } });
  });

  it('filters by time, inclusive at both ends, and by entity', async () => {
    const names = async (query: string) =>
      list(await call('GET', `/audit_events?${query}`, { token: admin })).map((e) => (e.details as Record<string, unknown>).event_name);
    expect(await names('created_after=2031-01-12T08:00:00Z&created_before=2031-01-14T08:00:00Z')).toEqual(['password_changed', 'user_unblocked']);
    expect(await names('created_after=2031-01-01&created_before=2031-01-11')).toEqual(['user_blocked']);
    expect(await names(`entity_type=User&entity_id=${bob.id}&created_after=2031-01-01`)).toEqual(['user_unblocked', 'user_blocked']);
    expect(await names('entity_type=Project')).toEqual([]);
  });

  it("refuses what GitLab refuses: entity_id without entity_type, an unknown entity type, a bad date", async () => {
    expect(await call('GET', `/audit_events?entity_id=${bob.id}`, { token: admin })).toMatchObject({ status: 400, body: { error: 'entity_type is missing' } });
    expect(await call('GET', '/audit_events?entity_type=Repository', { token: admin })).toMatchObject({
      status: 400,
      body: { error: 'entity_type does not have a valid value' },
    });
    expect(await call('GET', '/audit_events?created_after=yesterday', { token: admin })).toMatchObject({ status: 400, body: { error: 'created_after is invalid' } });
  });

  it("paginates with GitLab's headers", async () => {
    const res = await call('GET', '/audit_events?per_page=1&page=2&created_after=2031-01-01', { token: admin });
    expect(list(res).map((e) => (e.details as Record<string, unknown>).event_name)).toEqual(['user_unblocked']);
    expect(Object.fromEntries(['x-page', 'x-per-page', 'x-next-page', 'x-prev-page', 'x-total', 'x-total-pages'].map((h) => [h, res.headers.get(h)]))).toEqual({
      'x-page': '2',
      'x-per-page': '1',
      'x-next-page': '3',
      'x-prev-page': '1',
      'x-total': '3',
      'x-total-pages': '3',
    });
    expect(res.headers.get('link')).toContain('/api/v4/audit_events?created_after=2031-01-01&page=3&per_page=1>; rel="next"');
  });

  it('shows one event by id, 404 for none, 400 for a bad id', async () => {
    const [first] = list(await call('GET', '/audit_events?per_page=1', { token: admin }));
    expect(obj(await call('GET', `/audit_events/${String(first!.id)}`, { token: admin }))).toEqual(first);
    expect(await call('GET', '/audit_events/999999', { token: admin })).toMatchObject({ status: 404, body: { message: '404 Audit Event Not Found' } });
    expect((await call('GET', '/audit_events/abc', { token: admin })).status).toBe(400);
    expect((await call('GET', `/audit_events/${String(first!.id)}`, { token: aliceToken })).status).toBe(403);
  });
});
