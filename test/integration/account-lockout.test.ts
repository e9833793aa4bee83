/**
 * Git with the account password shares the web sign-in's account lockout:
 * guessing over git locks the account, and a locked account's password is
 * refused by git too (otherwise git would be a way around the lock). Only a
 * complete sign-in resets the count: a 2FA user's right password, refused
 * by git or the registry, must not wipe out wrong codes typed on the web.
 */
import { authenticator } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { PASSWORD, startGateway, type Gateway } from '../support/gateway.js';
import { WebClient } from '../web/support/web-client.js';

const basic = (login: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}` });

describe.each(databaseKinds())('account lockout over git on %s', (kind) => {
  let gw: Gateway;
  let repo: string;

  beforeAll(async () => {
    gw = await startGateway(kind);
    const owner = await gw.createUser('locky');
    const project = await gw.createProject(owner, 'p');
    repo = `${project.namespace}/${project.path}`;
  });
  afterAll(() => gw?.stop());

  const status = async (password: string, login = 'locky') =>
    (await fetch(`${gw.url}/${repo}.git/info/refs?service=git-upload-pack`, { headers: basic(login, password) })).status;

  it('locks after 10 wrong passwords, refuses the right one while locked, and lifts after 10 minutes', async () => {
    gw.clock.set('2031-02-01T12:00:00Z');
    expect(await status(PASSWORD)).toBe(200);
    for (let i = 0; i < 9; i++) expect(await status('wrong-password')).toBe(401);
    expect(await status(PASSWORD)).toBe(200);
    for (let i = 0; i < 10; i++) expect(await status('wrong-password')).toBe(401);
    expect(await status('wrong-password')).toBe(401);
    expect(await status(PASSWORD)).toBe(401);
    gw.clock.set('2031-02-01T12:10:01Z');
    expect(await status(PASSWORD)).toBe(200);
    gw.clock.set(new Date());
  });

  describe.each([
    ['git over HTTP', (g: Gateway) => fetch(`${g.url}/${repo}.git/info/refs?service=git-upload-pack`, { headers: basic('twofa', PASSWORD) })],
    ['the registry', (g: Gateway) => fetch(`${g.url}/jwt/auth?service=container_registry&scope=repository:${repo}:pull`, { headers: basic('twofa', PASSWORD) })],
  ])('a 2FA user whose right password is refused by %s', (_surface, presentPassword) => {
    it('keeps the failures typed on the web: the tenth wrong code locks the account', async () => {
      const user = await gw.createUser('twofa');
      const { secret } = await gw.system.twoFactor.enableNow(user);
      gw.clock.set('2031-03-01T09:00:00Z');
      const valid = authenticator.clone({ epoch: gw.clock.now().getTime() }).generate(secret);
      const wrong = (i: number) => String((Number(valid) + 1000 + i) % 1_000_000).padStart(6, '0');
      const web = new WebClient(gw.url);
      expect((await web.signIn('twofa', PASSWORD)).status).toBe(303);
      await web.get('/users/sign_in');
      for (let i = 0; i < 5; i++) expect((await web.post('/users/sign_in/two_factor', { otp_attempt: wrong(i) })).status).toBe(422);
      for (let i = 0; i < 4; i++) expect((await web.post('/users/sign_in/two_factor', { otp_attempt: `not-a-recovery-code-${i}` })).status).toBe(422);

      expect((await presentPassword(gw)).status).toBe(401);

      expect((await web.post('/users/sign_in/two_factor', { otp_attempt: wrong(9) })).status).toBe(422);
      const locked = await new WebClient(gw.url).signIn('twofa', PASSWORD);
      expect(locked.status).toBe(403);
      expect(locked.html).toContain('Your account is locked');
      gw.clock.set(new Date());
      await gw.system.users.delete(user.id);
    });
  });
});
