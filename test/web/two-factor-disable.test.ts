/**
 * Turning two-factor authentication off asks for the password, and wrong
 * passwords there count toward the account lockout: a stolen session cannot
 * guess the password at full speed.
 */
import { authenticator } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { PASSWORD, startGateway, type Gateway } from '../support/gateway.js';
import { WebClient } from './support/web-client.js';

const PAGE = '/-/user_settings/two_factor_auth';

describe.each(databaseKinds())('disabling 2FA on %s', (kind) => {
  let gw: Gateway;
  let secret: string;

  beforeAll(async () => {
    gw = await startGateway(kind);
    const user = await gw.createUser('dora');
    ({ secret } = await gw.system.twoFactor.enableNow(user));
  });
  afterAll(() => gw?.stop());

  it('locks the account after 10 wrong passwords on the disable form, and keeps 2FA on', async () => {
    const web = new WebClient(gw.url);
    const step = await web.signIn('dora', PASSWORD);
    expect(step.status).toBe(303);
    await web.follow(step);
    const code = authenticator.clone({ epoch: gw.clock.now().getTime() }).generate(secret);
    const signedIn = await web.post('/users/sign_in/two_factor', { otp_attempt: code });
    expect(signedIn.status).toBe(303);
    await web.get(PAGE);

    for (let i = 0; i < 10; i++) {
      const wrong = await web.post(`${PAGE}/disable`, { current_password: 'wrong-password' });
      expect(wrong.status).toBe(422);
      expect(wrong.html).toContain('You must provide a valid current password.');
    }
    const locked = await web.post(`${PAGE}/disable`, { current_password: PASSWORD });
    expect(locked.status).toBe(403);
    expect((await gw.system.users.getByUsername('dora')).twoFactorEnabled).toBe(true);
  });
});
