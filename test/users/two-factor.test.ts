/**
 * TOTP verification on the real stores: codes within ±1 step work once,
 * a replayed code is refused, recovery codes are single-use.
 */
import { authenticator } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';

describe.each(databaseKinds())('two-factor codes on %s', (kind) => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway(kind);
  });
  afterAll(() => gw?.stop());

  const codeAt = (secret: string, at: Date) => authenticator.clone({ epoch: at.getTime() }).generate(secret);

  it('accepts the current code once and refuses its replay', async () => {
    const user = await gw.createUser('otpuser');
    const { secret, recoveryCodes } = await gw.system.twoFactor.enableNow(user);
    gw.clock.set('2031-01-01T00:00:10Z');
    const fresh = await gw.system.users.get(user.id);
    const code = codeAt(secret, gw.clock.now());
    expect(await gw.system.twoFactor.verify(fresh, code)).toBe(true);
    expect(await gw.system.twoFactor.verify(fresh, code)).toBe(false);

    gw.clock.set('2031-01-01T00:00:40Z');
    expect(await gw.system.twoFactor.verify(fresh, codeAt(secret, new Date('2031-01-01T00:00:10Z')))).toBe(false);
    expect(await gw.system.twoFactor.verify(fresh, codeAt(secret, gw.clock.now()))).toBe(true);
    gw.clock.set('2031-01-01T00:02:00Z');
    expect(await gw.system.twoFactor.verify(fresh, codeAt(secret, new Date('2031-01-01T00:00:00Z')))).toBe(false);

    const withCodes = await gw.system.users.get(user.id);
    expect(await gw.system.twoFactor.verify(withCodes, recoveryCodes[0]!)).toBe(true);
    expect(await gw.system.twoFactor.verify(await gw.system.users.get(user.id), recoveryCodes[0]!)).toBe(false);
    gw.clock.set(new Date());
  });
});
