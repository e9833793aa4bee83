/**
 * TokenService rules on the real stores: expiry dates, the optional
 * maximum lifetime, sudo for administrators only, the plaintext never
 * stored, and throttled last-used bookkeeping (clock-driven).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/lib/errors.js';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';

const ADMIN = { id: 0, username: '(test)', isAdmin: true };

describe.each(databaseKinds())('TokenService on %s', (kind) => {
  let gw: Gateway;
  let user: User;
  beforeAll(async () => {
    gw = await startGateway(kind, { env: { GITGATE_MAX_TOKEN_LIFETIME_DAYS: '30' } });
    user = await gw.createUser('tok');
  });
  afterAll(() => gw?.stop());

  const create = (expiresAt: string | null, scopes = ['read_repository'], owner = user) =>
    gw.system.tokens.create(ADMIN, owner.id, { name: 'n', scopes, expiresAt });
  const field = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (err: unknown) => (err instanceof ValidationError ? `${err.field}: ${err.message}` : String(err)),
    );

  it('requires an expiry date in the future and within the maximum lifetime', async () => {
    gw.clock.set('2031-03-10T23:00:00Z');
    expect(await field(create(null))).toBe('expires_at: expires_at is missing');
    expect(await field(create('2031-03-10'))).toBe('expires_at: Expiration date must be in the future');
    expect(await field(create('2031-02-30'))).toBe('expires_at: expires_at is invalid');
    expect(await field(create('2031-04-09'))).toBeNull();
    expect(await field(create('2031-04-10'))).toBe('expires_at: Expiration date must be before 2031-04-10');
    expect(await field(create('2031-03-11'))).toBeNull();
    gw.clock.set(new Date());
  });

  it('grants sudo only on an administrator’s token', async () => {
    const admin = await gw.createUser('tokadmin', { admin: true });
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    expect(await field(create(tomorrow, ['sudo']))).toBe('scopes: scopes sudo can only be granted to administrators');
    expect(await field(create(tomorrow, ['sudo', 'api'], admin))).toBeNull();
  });

  it('stores only a digest and the last four characters', async () => {
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const { token, plaintext } = await create(tomorrow);
    expect(token.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(token.digest).not.toContain(plaintext.slice(6));
    expect(token.lastFour).toBe(plaintext.slice(-4));
    expect(JSON.stringify(await gw.system.tokens.get(ADMIN, token.id))).not.toContain(plaintext.slice(6, 20));
  });

  it('records last use at most every 10 minutes, and new addresses at most every minute', async () => {
    gw.clock.set('2031-05-01T10:00:00Z');
    const { token, plaintext } = await create('2031-05-20');
    const use = async (ip: string) => {
      await gw.system.tokens.authenticate(plaintext, ip);
      await gw.system.tokens.flushUsage();
      return gw.system.tokens.get(ADMIN, token.id);
    };
    expect((await use('10.0.0.1')).lastUsedAt?.toISOString()).toBe('2031-05-01T10:00:00.000Z');
    gw.clock.set('2031-05-01T10:00:30Z');
    expect(await use('10.0.0.2')).toMatchObject({ lastUsedIps: ['10.0.0.1'] });
    gw.clock.set('2031-05-01T10:01:30Z');
    expect(await use('10.0.0.2')).toMatchObject({ lastUsedIps: ['10.0.0.2', '10.0.0.1'] });
    gw.clock.set('2031-05-01T10:05:00Z');
    expect((await use('10.0.0.2')).lastUsedAt?.toISOString()).toBe('2031-05-01T10:01:30.000Z');
    gw.clock.set('2031-05-01T10:11:31Z');
    expect((await use('10.0.0.2')).lastUsedAt?.toISOString()).toBe('2031-05-01T10:11:31.000Z');
    gw.clock.set(new Date());
  });
});
