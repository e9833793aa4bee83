/**
 * The audit webhook against a receiver on loopback: signed posts in order,
 * retries with backoff for failures (a receiver that fails first, then
 * succeeds), no retry for a refusal, a bounded queue, and — through a
 * whole gateway on each database — events delivered while requests never
 * wait for the receiver.
 */
import { createHmac } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import { auditEventJson } from '../../src/audit/audit-event-json.js';
import { AuditWebhook, SIGNATURE_HEADER, signatureOf, type AuditWebhookOptions } from '../../src/audit/audit-webhook.js';
import { createMetrics } from '../../src/lib/metrics.js';
import { apiClient } from '../api/api-client.js';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { startReceiver, type Receiver } from './webhook-receiver.js';

const SECRET = 'webhook-secret-0123456789';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const event = (id: number): AuditEvent => ({
  id,
  createdAt: new Date('2031-01-01T00:00:00Z'),
  action: 'user_blocked',
  author: { id: 1, name: 'root' },
  entity: { type: 'User', id: 7, path: 'alice' },
  target: { type: 'User', id: 7, details: 'alice' },
  ipAddress: '203.0.113.1',
  requestId: `req-${id}`,
  details: {},
});

async function setUp(options: Partial<AuditWebhookOptions> = {}) {
  const receiver = await startReceiver();
  const metrics = createMetrics({ defaultMetrics: false });
  const hook = new AuditWebhook({ url: receiver.url, secret: SECRET, logger: pino({ level: 'silent' }), metrics, baseDelayMs: 10, maxDelayMs: 40, ...options });
  cleanups.push(() => receiver.close(), () => hook.close());
  const results = async () => Object.fromEntries((await metrics.auditWebhook.get()).values.map((v) => [v.labels.result, v.value]));
  return { receiver, hook, results };
}

describe('the audit webhook', () => {
  it('posts each event as GitLab JSON, in order, signed with HMAC-SHA-256 of the body', async () => {
    const { receiver, hook } = await setUp();
    for (const id of [1, 2, 3]) hook.deliver(event(id));
    await receiver.waitFor(3);
    expect(receiver.received.map((r) => JSON.parse(r.body) as unknown)).toEqual([1, 2, 3].map((id) => auditEventJson(event(id))));
    for (const r of receiver.received) {
      const expected = `sha256=${createHmac('sha256', SECRET).update(r.body).digest('hex')}`;
      expect(r.headers[SIGNATURE_HEADER.toLowerCase()]).toBe(expected);
      expect(signatureOf(SECRET, r.body)).toBe(expected);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['x-gitgate-event']).toBe('user_blocked');
    }
    expect(receiver.received.map((r) => r.headers['x-gitgate-delivery'])).toEqual(['1', '2', '3']);
  });

  it('retries a receiver that fails first — an error status, a dropped connection, no answer in time — then succeeds', async () => {
    const { receiver, hook, results } = await setUp({ timeoutMs: 200 });
    receiver.script(503, 'reset', 'hang', 500);
    hook.deliver(event(1));
    hook.deliver(event(2));
    await receiver.waitFor(6);
    expect(receiver.received.map((r) => r.headers['x-gitgate-delivery'])).toEqual(['1', '1', '1', '1', '1', '2']);
    expect(new Set(receiver.received.slice(0, 5).map((r) => r.body)).size).toBe(1);
    await hook.close();
    expect(await results()).toEqual({ retried: 4, delivered: 2 });
  });

  it('does not retry a refusal, and gives up after the last attempt', async () => {
    const { receiver, hook, results } = await setUp({ maxAttempts: 3 });
    receiver.script(401, 500, 500, 500);
    hook.deliver(event(1));
    hook.deliver(event(2));
    hook.deliver(event(3));
    await receiver.waitFor(5);
    expect(receiver.received.map((r) => r.headers['x-gitgate-delivery'])).toEqual(['1', '2', '2', '2', '3']);
    await hook.close();
    expect(await results()).toEqual({ failed: 2, retried: 2, delivered: 1 });
  });

  it('holds a bounded queue while the receiver hangs, dropping what does not fit, and never blocks the caller', async () => {
    const { receiver, hook, results } = await setUp({ queueSize: 3, timeoutMs: 60_000 });
    receiver.script('hang');
    for (let id = 1; id <= 10; id++) expect(hook.deliver(event(id))).toBeUndefined();
    await receiver.waitFor(1);
    expect(await results()).toEqual({ dropped: 7 });
    receiver.release();
    await receiver.waitFor(3);
    await hook.close();
    expect(receiver.received.map((r) => r.headers['x-gitgate-delivery'])).toEqual(['1', '2', '3']);
    expect(await results()).toEqual({ dropped: 7, delivered: 3 });
  });

  it('at close, tries a waiting event once more without waiting out its backoff, then gives up and takes no more', async () => {
    const { receiver, hook, results } = await setUp({ baseDelayMs: 60_000, maxDelayMs: 60_000 });
    receiver.script(500, 500);
    hook.deliver(event(1));
    // Waiting out a minute's backoff when it is closed.
    while ((await results()).retried !== 1) await new Promise((resolve) => setTimeout(resolve, 10));
    await hook.close();
    hook.deliver(event(2));
    expect(receiver.received.map((r) => r.headers['x-gitgate-delivery'])).toEqual(['1', '1']);
    expect(await results()).toEqual({ retried: 1, failed: 1 });
  });
});

describe.each(databaseKinds())('the audit webhook of a gateway on %s', (kind) => {
  let gw: Gateway;
  let receiver: Receiver;

  const start = async () => {
    receiver = await startReceiver();
    gw = await startGateway(kind, { env: { GITGATE_AUDIT_WEBHOOK_URL: receiver.url, GITGATE_AUDIT_WEBHOOK_SECRET: SECRET } });
    cleanups.push(() => receiver.close(), () => gw.stop());
  };

  it('delivers a recorded event to a receiver that fails first, then succeeds, with its stored id', async () => {
    await start();
    receiver.script(503);
    const alice = await gw.createUser('alice');
    const { id } = await gw.createToken(alice, ['api'], { name: 'hooked' });
    await receiver.waitFor(2);
    const [first, second] = receiver.received;
    expect(second!.body).toBe(first!.body);
    expect(second!.headers[SIGNATURE_HEADER.toLowerCase()]).toBe(signatureOf(SECRET, second!.body));
    const body = JSON.parse(second!.body) as Record<string, unknown>;
    const [stored] = (await gw.system.audit.list({ entityType: 'User', entityId: alice.id })).events;
    expect(body).toEqual(auditEventJson(stored!));
    expect(body).toMatchObject({ entity_type: 'User', entity_id: alice.id, details: { event_name: 'personal_access_token_created', target_id: id } });
  });

  it('answers requests while the receiver hangs', async () => {
    await start();
    receiver.script('hang');
    const admin = await gw.createUser('root2', { admin: true });
    const token = (await gw.createToken(admin, ['api'])).token;
    await receiver.waitFor(1);
    const res = await apiClient(gw)('POST', '/users', { token, json: { username: 'bob', name: 'Bob', email: 'bob@example.test', password: 'bob-password' } });
    expect(res.status).toBe(201);
    const blocked = await apiClient(gw)('POST', `/users/${String((res.body as { id: number }).id)}/block`, { token });
    expect(blocked.status).toBe(201);
    expect(receiver.received).toHaveLength(1);
    receiver.release();
    await receiver.waitFor(3);
    const [first, ...later] = receiver.received.map((r) => String(r.headers['x-gitgate-event']));
    expect(first).toBe('personal_access_token_created');
    // The token's first use is recorded off the request path, so it may land before or after the block.
    expect(later.sort()).toEqual(['personal_access_token_used_from_new_address', 'user_blocked']);
  });
});
