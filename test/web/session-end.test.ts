/**
 * A change of credentials ends the web sessions of the account: a new
 * password set by an administrator, blocking (unblocking does not bring the
 * old sessions back), two-factor authentication turned on or off from
 * elsewhere. Turning 2FA on or off in the browser keeps that browser signed
 * in (under a new session id) and ends the others.
 */
import { authenticator } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../api/api-client.js';
import { databaseKinds } from '../support/databases.js';
import { PASSWORD, startGateway, type Gateway } from '../support/gateway.js';
import { WebClient } from './support/web-client.js';

const HOME = '/-/user_settings/personal_access_tokens';
const TWO_FACTOR = '/-/user_settings/two_factor_auth';

describe.each(databaseKinds())('web sessions end with a change of credentials, on %s', (kind) => {
  let gw: Gateway;
  let adminToken: string;
  let n = 0;

  beforeAll(async () => {
    gw = await startGateway(kind);
    const admin = await gw.createUser('boss', { admin: true });
    adminToken = (await gw.createToken(admin, ['api'])).token;
  });
  afterAll(() => gw?.stop());

  const signedIn = async (username: string): Promise<WebClient> => {
    const c = new WebClient(gw.url);
    expect((await c.signIn(username, PASSWORD)).location).toBe(HOME);
    expect((await c.get(HOME)).status).toBe(200);
    return c;
  };
  const isSignedIn = async (c: WebClient): Promise<boolean> => (await c.get(HOME)).status === 200;
  const fresh = async () => gw.createUser(`s${++n}`);

  it('ends every session when an administrator sets a new password', async () => {
    const user = await fresh();
    const [a, b] = [await signedIn(user.username), await signedIn(user.username)];
    const res = await apiClient(gw)('PUT', `/users/${user.id}`, { token: adminToken, json: { password: 'a-brand-new-password' } });
    expect(res.status).toBe(200);
    expect(await isSignedIn(a)).toBe(false);
    expect(await isSignedIn(b)).toBe(false);
    expect((await new WebClient(gw.url).signIn(user.username, 'a-brand-new-password')).location).toBe(HOME);
  });

  it('ends every session when the account is blocked, for good', async () => {
    const user = await fresh();
    const c = await signedIn(user.username);
    expect((await apiClient(gw)('POST', `/users/${user.id}/block`, { token: adminToken })).status).toBe(201);
    expect((await apiClient(gw)('POST', `/users/${user.id}/unblock`, { token: adminToken })).status).toBe(201);
    expect(await isSignedIn(c)).toBe(false);
  });

  it('ends every session when two-factor authentication is turned on or off elsewhere', async () => {
    const user = await fresh();
    const before = await signedIn(user.username);
    await gw.system.twoFactor.enableNow(user);
    expect(await isSignedIn(before)).toBe(false);

    const c = new WebClient(gw.url);
    await c.signIn(user.username, PASSWORD);
    const pendingAcrossChange = new WebClient(gw.url);
    await pendingAcrossChange.signIn(user.username, PASSWORD);
    await gw.system.twoFactor.disable(await gw.system.users.get(user.id));
    await pendingAcrossChange.get('/users/sign_in');
    const code = await pendingAcrossChange.post('/users/sign_in/two_factor', { otp_attempt: '123456' });
    expect(code.status).toBe(401);
  });

  it('keeps the browser that turned 2FA on signed in under a new id, and ends the others', async () => {
    const user = await fresh();
    const other = await signedIn(user.username);
    const c = await signedIn(user.username);
    const page = await c.get(TWO_FACTOR);
    const secret = /id="otp-secret"[^>]*>([^<]+)</.exec(page.html)![1]!.replace(/\s+/g, '');
    const before = c.cookies.get('gitgate_session');
    const code = authenticator.clone({ epoch: gw.clock.now().getTime() }).generate(secret);
    const enabled = await c.post(TWO_FACTOR, { pin_code: code });
    expect(enabled.location).toBe(TWO_FACTOR);
    expect(c.cookies.get('gitgate_session')).not.toBe(before);
    const shown = await c.get(TWO_FACTOR);
    expect(shown.status).toBe(200);
    expect(shown.html.match(/<li>[0-9a-f]{16}<\/li>/g)).toHaveLength(10);
    expect(await isSignedIn(other)).toBe(false);

    const disabled = await c.post(`${TWO_FACTOR}/disable`, { current_password: PASSWORD });
    expect(disabled.location).toBe(TWO_FACTOR);
    expect(await isSignedIn(c)).toBe(true);
  });
});
