/**
 * Two instances over one database and one SMTP server: however their
 * sweeps interleave, every notice is mailed once, by the instance holding
 * the lease; the other takes over when the lease runs out or is given up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/lib/clock.js';
import { LEASE_MS } from '../../src/notifications/token-notifications.js';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp.js';

const ADMIN = { id: 0, username: '(test)', isAdmin: true };

describe.each(databaseKinds())('token notices from two instances on %s', (kind) => {
  let smtp: TestSmtpServer;
  let a: Gateway;
  let b: Gateway;
  let owner: User;
  const clock = new ManualClock('2026-11-01T12:00:00Z');
  const sweeps = (gw: Gateway) => gw.system.notifications!;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    a = await startGateway(kind, { clock, env: { GITGATE_SMTP_URL: smtp.url, GITGATE_EMAIL_FROM: 'gitgate@example.test' } });
    b = await startGateway(kind, { clock, shareWith: a });
    owner = await a.system.users.create({ username: 'owner', email: 'owner@example.test', password: 'correct-horse-battery' });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await smtp?.stop();
  });

  it('mails each due notice once while both sweep at the same time, and only one instance sweeps', async () => {
    for (let i = 0; i < 12; i++) await a.createToken(owner, ['read_repository'], { name: `ci-${i}`, expiresAt: '2026-11-05' });
    const results = await Promise.all([0, 1, 2, 3].flatMap(() => [sweeps(a).sweep(), sweeps(b).sweep()]));
    // Every sweep has finished: what was sent has arrived.
    expect(smtp.received.map((m) => m.subject).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `Your personal access token "ci-${i}" expires on 2026-11-05`).sort());
    const ranOn = new Set(results.flatMap((r, i) => (r.ran ? [i % 2 === 0 ? 'a' : 'b'] : [])));
    expect(ranOn.size).toBe(1);
    expect(results.reduce((sum, r) => sum + r.sent, 0)).toBe(12);
    // Nothing more comes, however often either sweeps.
    await Promise.all([sweeps(a).sweep(), sweeps(b).sweep(), sweeps(a).sweep(), sweeps(b).sweep()]);
    expect(smtp.received).toHaveLength(12);
  });

  it('a notice recorded on the instance without the lease is mailed by the holder; the other takes over when the lease lapses', async () => {
    const holder = (await sweeps(a).sweep()).ran ? a : b;
    const other = holder === a ? b : a;
    const before = smtp.received.length;
    const issued = await other.createToken(owner, ['api'], { name: 'revoked-on-other' });
    await other.system.tokens.revoke(ADMIN, issued.id);
    expect(await sweeps(other).sweep()).toMatchObject({ ran: false });
    expect(smtp.received).toHaveLength(before);
    expect(await sweeps(holder).sweep()).toMatchObject({ ran: true, sent: 1 });
    expect(smtp.received.slice(before).map((m) => m.subject)).toEqual(['Your personal access token "revoked-on-other" was revoked']);

    clock.advance(LEASE_MS - 1);
    expect(await sweeps(other).sweep()).toMatchObject({ ran: false });
    clock.advance(1);
    expect(await sweeps(other).sweep()).toMatchObject({ ran: true });
    expect(await sweeps(holder).sweep()).toMatchObject({ ran: false });
  });

  it('an instance that stops gives the lease up, and the other sweeps at once', async () => {
    const holder = (await sweeps(a).sweep()).ran ? a : b;
    const other = holder === a ? b : a;
    expect(await sweeps(other).sweep()).toMatchObject({ ran: false });
    await sweeps(holder).stop();
    expect(await sweeps(other).sweep()).toMatchObject({ ran: true });
  });
});
