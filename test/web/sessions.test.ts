/**
 * Sign-in, sessions and the protections of the web pages, over plain HTTP
 * (the browser suites cover the same pages through Chromium), on every
 * database of the run.
 */
import { randomBytes } from 'node:crypto';
import { authenticator } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { PASSWORD, startGateway, type Gateway } from '../support/gateway.js';
import { cookieAttributes, WebClient } from './support/web-client.js';

const HOME = '/-/user_settings/personal_access_tokens';
const MINUTE = 60_000;

describe.each(databaseKinds())('web sign-in and sessions on %s', (kind) => {
  let gw: Gateway;
  let alice: User;
  let address = 0;
  // Each client has its own address (the gateway trusts loopback as a proxy),
  // so the per-IP ban never interferes with what these tests count.
  const client = (): WebClient => new WebClient(gw.url, { 'x-forwarded-for': `192.0.2.${++address % 250}` });
  const totp = (secret: string): string => authenticator.clone({ epoch: gw.clock.now().getTime() }).generate(secret);

  beforeAll(async () => {
    gw = await startGateway(kind, { env: { GITGATE_TRUSTED_PROXIES: '127.0.0.1' } });
    alice = await gw.createUser('alice');
  });
  afterAll(() => gw?.stop());

  it('signs in with an HttpOnly, SameSite=Lax session cookie and signs out for good', async () => {
    const c = client();
    const signIn = await c.signIn('alice', PASSWORD);
    expect(signIn.status).toBe(303);
    expect(signIn.location).toBe(HOME);
    const attributes = cookieAttributes(signIn, 'gitgate_session');
    expect(attributes).toEqual(expect.arrayContaining(['httponly', 'samesite=lax', 'path=/']));
    expect(attributes?.some((a) => a === 'secure' || a.startsWith('max-age') || a.startsWith('expires'))).toBe(false);
    const session = c.cookies.get('gitgate_session')!;
    expect((await c.get(HOME)).html).toContain('Personal access tokens');

    const out = await c.post('/users/sign_out', {});
    expect(out.location).toBe('/users/sign_in');
    expect(c.cookies.has('gitgate_session')).toBe(false);
    const replay = new WebClient(gw.url);
    replay.cookies.set('gitgate_session', session);
    expect((await replay.get(HOME)).location).toBe(`/users/sign_in?redirect_to=${encodeURIComponent(HOME)}`);
  });

  it('signs in by email too, and says the same thing for a wrong password and an unknown user', async () => {
    const byEmail = await client().signIn('ALICE@gitgate.invalid', PASSWORD);
    expect(byEmail.location).toBe(HOME);
    const wrong = await client().signIn('alice', 'not-the-password');
    const unknown = await client().signIn('nobody', 'not-the-password');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.html).toContain('Invalid login or password.');
    expect(unknown.html).toContain('Invalid login or password.');
    expect(wrong.html).toContain('value="alice"');
  });

  it('ignores a planted session id and issues a new one at every sign-in', async () => {
    const c = client();
    const planted = randomBytes(32).toString('base64url');
    c.cookies.set('gitgate_session', planted);
    const page = await c.get('/users/sign_in');
    expect(page.status).toBe(200);
    expect(c.cookies.has('gitgate_session')).toBe(false);

    await c.signIn('alice', PASSWORD);
    const first = c.cookies.get('gitgate_session');
    expect(first).toBeDefined();
    expect(first).not.toBe(planted);
    await c.get(HOME);
    const again = await c.post('/users/sign_in', { login: 'alice', password: PASSWORD });
    expect(again.status).toBe(303);
    const second = c.cookies.get('gitgate_session');
    expect(second).not.toBe(first);
    const old = new WebClient(gw.url);
    old.cookies.set('gitgate_session', first!);
    expect((await old.get(HOME)).status).toBe(303);
  });

  it('returns to the page asked for, but only to a path on this server', async () => {
    const c = client();
    const asked = await c.get('/-/user_settings/two_factor_auth');
    expect(asked.location).toBe('/users/sign_in?redirect_to=%2F-%2Fuser_settings%2Ftwo_factor_auth');
    const form = await c.follow(asked);
    expect(form.html).toContain('name="redirect_to" value="/-/user_settings/two_factor_auth"');
    const back = await c.post('/users/sign_in', { login: 'alice', password: PASSWORD, redirect_to: '/-/user_settings/two_factor_auth' });
    expect(back.location).toBe('/-/user_settings/two_factor_auth');

    const d = client();
    await d.get('/users/sign_in');
    const evil = await d.post('/users/sign_in', { login: 'alice', password: PASSWORD, redirect_to: '//evil.example/steal' });
    expect(evil.location).toBe(HOME);
  });

  it('ends a session after 2 hours idle, and 24 hours after sign-in however active', async () => {
    const idle = client();
    await idle.signIn('alice', PASSWORD);
    gw.clock.advance(2 * 60 * MINUTE - MINUTE);
    expect((await idle.get(HOME)).status).toBe(200);
    gw.clock.advance(2 * 60 * MINUTE);
    expect((await idle.get(HOME)).status).toBe(303);

    const busy = client();
    await busy.signIn('alice', PASSWORD);
    for (let elapsed = 0; elapsed + 90 < 24 * 60; elapsed += 90) {
      gw.clock.advance(90 * MINUTE);
      expect((await busy.get(HOME)).status, `after ${elapsed + 90} minutes`).toBe(200);
    }
    gw.clock.advance(90 * MINUTE);
    expect((await busy.get(HOME)).status).toBe(303);
  });

  it('locks an account for 10 minutes after 10 failed sign-ins, from whatever addresses', async () => {
    const bob = await gw.createUser('bob');
    for (let i = 0; i < 9; i++) expect((await client().signIn('bob', `wrong-${i}`)).status).toBe(401);
    expect((await client().signIn('bob', PASSWORD)).status).toBe(303); // a success forgets the failures
    for (let i = 0; i < 10; i++) expect((await client().signIn('bob', `wrong-${i}`)).status).toBe(401);

    const locked = await client().signIn('bob', PASSWORD);
    expect(locked.status).toBe(403);
    expect(locked.html).toContain('Your account is locked');
    expect((await client().signIn(bob.email, PASSWORD)).status).toBe(403);
    gw.clock.advance(10 * MINUTE - 1000);
    expect((await client().signIn('bob', PASSWORD)).status).toBe(403);
    gw.clock.advance(1000);
    expect((await client().signIn('bob', PASSWORD)).location).toBe(HOME);
  });

  it('counts failed sign-ins toward the per-IP ban shared with git and the API', async () => {
    const banned = new WebClient(gw.url, { 'x-forwarded-for': '203.0.113.9' });
    for (let i = 0; i < 10; i++) await banned.signIn(`nobody-${i}`, 'guess');
    const page = await banned.signIn('alice', PASSWORD);
    expect(page.status).toBe(403);
    expect(page.html).toContain('Too many failed sign-in attempts from your address');
    const basic = `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}`;
    const git = await fetch(`${gw.url}/alice/any.git/info/refs?service=git-upload-pack`, {
      headers: { 'x-forwarded-for': '203.0.113.9', authorization: basic },
    });
    expect(git.status).toBe(403);
    expect((await client().signIn('alice', PASSWORD)).status).toBe(303);
  });

  it('asks a 2FA user for the code before anything else, and rotates the session again', async () => {
    const carol = await gw.createUser('carol');
    const { secret, recoveryCodes } = await gw.system.twoFactor.enableNow(carol);
    const c = client();
    const step = await c.signIn('carol', PASSWORD);
    expect(step.location).toBe('/users/sign_in');
    const pending = c.cookies.get('gitgate_session')!;
    expect((await c.get(HOME)).status).toBe(303);
    expect((await c.get('/users/sign_in')).html).toContain('name="otp_attempt"');

    const wrong = await c.post('/users/sign_in/two_factor', { otp_attempt: '000000' === totp(secret) ? '111111' : '000000' });
    expect(wrong.status).toBe(422);
    expect(wrong.html).toContain('Invalid two-factor code.');
    const right = await c.post('/users/sign_in/two_factor', { otp_attempt: totp(secret) });
    expect(right.location).toBe(HOME);
    expect(c.cookies.get('gitgate_session')).not.toBe(pending);
    expect((await c.get(HOME)).status).toBe(200);

    const recovery = client();
    await recovery.signIn('carol', PASSWORD);
    await recovery.get('/users/sign_in');
    expect((await recovery.post('/users/sign_in/two_factor', { otp_attempt: recoveryCodes[0]! })).location).toBe(HOME);
    const reuse = client();
    await reuse.signIn('carol', PASSWORD);
    await reuse.get('/users/sign_in');
    expect((await reuse.post('/users/sign_in/two_factor', { otp_attempt: recoveryCodes[0]! })).status).toBe(422);
  });

  it('refuses state-changing posts without a valid CSRF token or from another origin', async () => {
    const c = client();
    await c.signIn('alice', PASSWORD);
    await c.get(HOME);
    const other = client();
    await other.signIn('alice', PASSWORD);
    await other.get(HOME);
    const create = { name: 'forged', scopes: 'read_repository' };
    const refused = [
      await c.post(HOME, create, { csrf: null }),
      await c.post(HOME, create, { csrf: 'abc.def' }),
      await c.post(HOME, create, { csrf: other.csrf }),
      await c.post(HOME, create, { headers: { origin: 'http://evil.example' } }),
      await c.post(HOME, create, { headers: { 'sec-fetch-site': 'cross-site' } }),
      await c.post(HOME, create, { headers: { 'sec-fetch-site': 'same-site' } }),
    ];
    for (const page of refused) {
      expect(page.status).toBe(403);
      expect(page.html).toMatch(/Reload the page and try again/);
    }
    const { tokens } = await gw.system.tokens.list({ id: alice.id, username: 'alice', isAdmin: false }, { userId: alice.id });
    expect(tokens.filter((t) => t.name === 'forged')).toEqual([]);
    expect((await c.post(HOME, create, { headers: { origin: gw.url, 'sec-fetch-site': 'same-origin' } })).status).toBe(303);

    const anonymous = client();
    await anonymous.get('/users/sign_in');
    expect((await anonymous.post('/users/sign_in', { login: 'alice', password: PASSWORD }, { csrf: null })).status).toBe(403);
  });

  it('sends security headers, never lets a page be cached, and escapes what users typed', async () => {
    const c = client();
    const page = await c.get('/users/sign_in');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('strict-transport-security')).toBeNull();

    await c.signIn('alice', PASSWORD);
    await c.get(HOME);
    await c.post(HOME, { name: '<img src=x onerror=alert(1)>', description: '"quoted" & <b>bold</b>', scopes: 'read_user' });
    const list = await c.get(HOME);
    expect(list.html).not.toContain('<img src=x');
    expect(list.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(list.html).toContain('&quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;');

    const health = await fetch(`${gw.url}/-/health`);
    expect(health.headers.get('content-security-policy')).toBeNull();
    expect(health.headers.getSetCookie()).toEqual([]);
  });

  it('redirects GitLab’s older settings paths, keeping the prefill query, and 404s the rest', async () => {
    const res = await fetch(`${gw.url}/-/profile/personal_access_tokens?name=ci&scopes=api`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe(`${HOME}?name=ci&scopes=api`);
    const missing = await client().get('/-/user_settings/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.html).toContain('could not be found');
  });
});
