/**
 * E-mail to token owners through a real SMTP server on loopback, on both
 * databases, with the clock moved across day boundaries: 30 and 7 days
 * before expiry and on the day it expired, once each; revocations by an
 * administrator and by leak protection; who gets nothing; retries.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/lib/clock.js';
import { MAX_ATTEMPTS } from '../../src/notifications/token-notifications.js';
import type { TokenNotifications } from '../../src/notifications/token-notifications.js';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp.js';

const ADMIN = { id: 0, username: '(test)', isAdmin: true };
const FROM = 'gitgate <gitgate@example.test>';

describe.each(databaseKinds())('token notices by e-mail on %s', (kind) => {
  let smtp: TestSmtpServer;
  let gw: Gateway;
  let clock: ManualClock;
  let alice: User;
  let notices: TokenNotifications;
  let seen = 0;
  /** The e-mails that arrived since the last call. */
  const arrived = () => {
    const fresh = smtp.received.slice(seen);
    seen = smtp.received.length;
    return fresh;
  };

  beforeAll(async () => {
    smtp = await startSmtpServer();
    clock = new ManualClock('2026-11-01T12:00:00Z');
    gw = await startGateway(kind, { clock, env: { GITGATE_SMTP_URL: smtp.url, GITGATE_EMAIL_FROM: FROM, GITGATE_EXTERNAL_URL: 'https://git.example.test' } });
    notices = gw.system.notifications!;
    alice = await gw.system.users.create({ username: 'alice', email: 'alice@example.test', name: 'Alice Liddell', password: 'correct-horse-battery' });
  });
  afterAll(async () => {
    await gw?.stop();
    await smtp?.stop();
  });
  afterEach(async () => {
    // Nothing any test left due may reach the next one.
    await notices.sweep();
    arrived();
  });

  it('mails 30 and 7 days before expiry and on the day it expired, once each, at the day boundaries', async () => {
    const { token } = await gw.createToken(alice, ['read_repository'], { name: 'ci', expiresAt: '2026-12-10' });
    const sweepAt = async (instant: string) => {
      clock.set(instant);
      await notices.sweep();
      return arrived();
    };
    expect(await sweepAt('2026-11-09T23:59:59Z')).toEqual([]);
    const first = await sweepAt('2026-11-10T00:00:00Z');
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ to: ['alice@example.test'], from: 'gitgate@example.test', subject: 'Your personal access token "ci" expires on 2026-12-10' });
    expect(first[0]!.text).toContain('Hello Alice Liddell,');
    expect(first[0]!.text).toContain('expires on 2026-12-10 (in 30 days)');
    expect(first[0]!.text).toContain('https://git.example.test/-/user_settings/personal_access_tokens');
    expect(first[0]!.raw).toMatch(/^From: gitgate <gitgate@example\.test>$/m);
    expect(await sweepAt('2026-11-10T18:00:00Z')).toEqual([]);
    expect(await sweepAt('2026-12-02T23:59:59Z')).toEqual([]);
    const week = await sweepAt('2026-12-03T00:00:00Z');
    expect(week.map((m) => m.subject)).toEqual(['Your personal access token "ci" expires on 2026-12-10']);
    expect(week[0]!.text).toContain('(in 7 days)');
    expect(await sweepAt('2026-12-09T23:59:59Z')).toEqual([]);
    expect(gw.system.tokens.isExpired({ expiresAt: '2026-12-10' })).toBe(false);
    const expired = await sweepAt('2026-12-10T00:00:00Z');
    expect(gw.system.tokens.isExpired({ expiresAt: '2026-12-10' })).toBe(true);
    expect(expired.map((m) => m.subject)).toEqual(['Your personal access token "ci" has expired']);
    expect(expired[0]!.text).toContain('expired on 2026-12-10');
    expect(await sweepAt('2026-12-11T00:00:00Z')).toEqual([]);
    expect(await sweepAt('2027-01-30T00:00:00Z')).toEqual([]);
    for (const mail of [...first, ...week, ...expired]) expect(mail.raw).not.toContain(token);
  });

  it('tells a token made with 5 days left once before it expires, and one found late within the grace', async () => {
    clock.set('2027-02-01T09:00:00Z');
    await gw.createToken(alice, ['api'], { name: 'short', expiresAt: '2027-02-06' });
    await notices.sweep();
    expect(arrived().map((m) => m.text.match(/\(([^)]+)\)/)?.[1])).toEqual(['in 5 days']);
    clock.set('2027-02-12T09:00:00Z');
    await notices.sweep();
    expect(arrived().map((m) => m.subject)).toEqual(['Your personal access token "short" has expired']);
  });

  it('sends nothing for revoked tokens, blocked owners or addresses under .invalid', async () => {
    clock.set('2027-03-01T09:00:00Z');
    const revoked = await gw.createToken(alice, ['api'], { name: 'gone', expiresAt: '2027-03-05' });
    await gw.system.tokens.revoke({ id: alice.id, username: alice.username, isAdmin: false }, revoked.id);
    const bob = await gw.system.users.create({ username: 'bob', email: 'bob@example.test', password: 'correct-horse-battery' });
    await gw.createToken(bob, ['api'], { name: 'bobs', expiresAt: '2027-03-05' });
    await gw.system.users.block(bob.id);
    const carol = await gw.createUser('carol');
    expect(carol.email).toBe('carol@gitgate.invalid');
    await gw.createToken(carol, ['api'], { name: 'carols', expiresAt: '2027-03-05' });
    const result = await notices.sweep();
    expect(arrived()).toEqual([]);
    expect(result).toMatchObject({ ran: true, sent: 0, skipped: 1 });
    await gw.system.users.unblock(bob.id);
  });

  it('tells the owner when an administrator revokes their token, not when they revoke it themselves', async () => {
    clock.set('2027-04-01T09:00:00Z');
    const own = await gw.createToken(alice, ['api'], { name: 'mine' });
    await gw.system.tokens.revoke({ id: alice.id, username: alice.username, isAdmin: false }, own.id);
    const other = await gw.createToken(alice, ['api'], { name: 'laptop' });
    await gw.system.tokens.revoke(ADMIN, other.id);
    // The revoke started a sweep of its own; this one runs after it.
    await notices.sweep();
    const mails = arrived();
    expect(mails.map((m) => m.subject)).toEqual(['Your personal access token "laptop" was revoked']);
    expect(mails[0]!.text).toContain('An administrator revoked your personal access token "laptop"');
    expect(mails[0]!.raw).not.toContain(other.token);
  });

  it('tells the owner where leak protection found the token it revoked (the push-protection entry point)', async () => {
    const leaked = await gw.createToken(alice, ['write_repository'], { name: 'pushed' });
    const leak = { project: 'alice/site', commit: '0123456789abcdef0123456789abcdef01234567', path: 'config/ci.env' };
    expect(await gw.system.tokens.revokeLeaked(leaked.id, leak)).toBe(true);
    expect((await gw.system.tokens.get(ADMIN, leaked.id)).revoked).toBe(true);
    await notices.sweep();
    const [mail, ...more] = arrived();
    expect(more).toEqual([]);
    expect(mail!.subject).toBe('Your personal access token "pushed" was found in a repository and revoked');
    expect(mail!.text).toContain(`in project alice/site, commit ${leak.commit}, file config/ci.env`);
    expect(mail!.raw).not.toContain(leaked.token);
    expect(await gw.system.tokens.revokeLeaked(leaked.id, leak)).toBe(false);
    await notices.sweep();
    expect(arrived()).toEqual([]);
  });

  it('retries a notice the server deferred, with a growing wait, and gives up one it refused for good', async () => {
    clock.set('2027-05-01T09:00:00Z');
    const deferred = await gw.createToken(alice, ['api'], { name: 'deferred' });
    smtp.refuseNext(1, 451);
    await gw.system.tokens.revoke(ADMIN, deferred.id);
    expect(await notices.sweep()).toMatchObject({ ran: true, sent: 0 });
    expect(arrived()).toEqual([]);
    expect(gw.logs.some((l) => l.includes('token notice not delivered; will retry'))).toBe(true);
    clock.advance(59_000);
    expect(await notices.sweep()).toMatchObject({ sent: 0, failed: 0 });
    clock.advance(1_000);
    expect(await notices.sweep()).toMatchObject({ sent: 1 });
    expect(arrived().map((m) => m.subject)).toEqual(['Your personal access token "deferred" was revoked']);

    const refused = await gw.createToken(alice, ['api'], { name: 'refused' });
    const next = await gw.createToken(alice, ['api'], { name: 'next' });
    smtp.refuseNext(1, 550);
    await gw.system.tokens.revoke(ADMIN, refused.id);
    await gw.system.tokens.revoke(ADMIN, next.id);
    await notices.sweep();
    expect(arrived().map((m) => m.subject)).toEqual(['Your personal access token "next" was revoked']);
    expect(gw.logs.some((l) => l.includes('token notice given up'))).toBe(true);
    clock.advance(24 * 3600_000);
    await notices.sweep();
    expect(arrived()).toEqual([]);
  });

  it(`gives up after ${MAX_ATTEMPTS} deferrals`, async () => {
    clock.set('2027-06-01T09:00:00Z');
    const stuck = await gw.createToken(alice, ['api'], { name: 'stuck' });
    smtp.refuseNext(MAX_ATTEMPTS, 421);
    await gw.system.tokens.revoke(ADMIN, stuck.id);
    for (let i = 0; i < MAX_ATTEMPTS + 2; i++) {
      await notices.sweep();
      clock.advance(3 * 3600_000);
    }
    expect(arrived()).toEqual([]);
    expect(gw.logs.filter((l) => l.includes('token notice not delivered; will retry') && l.includes(`"tokenId":${stuck.id}`))).toHaveLength(MAX_ATTEMPTS - 1);
    expect(gw.logs.filter((l) => l.includes('token notice given up') && l.includes(`"tokenId":${stuck.id}`))).toHaveLength(1);
    smtp.refuseNext(0, 0);
  });
});
