/**
 * TOTP secrets at rest, read and written with SQL beside a running gateway:
 * the column holds a sealed value, never the base32 secret, and web sign-in
 * with a code made from the secret still works; a plaintext secret from
 * before sealing verifies once and is sealed then; a value that is neither
 * (garbage, or sealed under another server secret) matches no code.
 */
import { join } from 'node:path';
import { authenticator } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seal } from '../../src/lib/sealed-box.js';
import { deriveKey } from '../../src/lib/secrets.js';
import { SQLITE_FILE } from '../../src/setup/private-data.js';
import { openDatabase, type Database } from '../../src/storage/database.js';
import { databaseKinds } from '../support/databases.js';
import { PASSWORD, startGateway, type Gateway } from '../support/gateway.js';
import { WebClient } from '../web/support/web-client.js';

const HOME = '/-/user_settings/personal_access_tokens';
const TWO_FACTOR = '/-/user_settings/two_factor_auth';

describe.each(databaseKinds())('TOTP secrets at rest on %s', (kind) => {
  let gw: Gateway;
  let database: Database;
  let n = 0;

  beforeAll(async () => {
    gw = await startGateway(kind);
    const { databaseUrl } = gw.system.config;
    database = await openDatabase(databaseUrl ? { kind: 'postgres', url: databaseUrl } : { kind: 'sqlite', path: join(gw.dataDir, SQLITE_FILE) });
  });
  afterAll(async () => {
    await database?.close();
    await gw?.stop();
  });

  const storedSecret = async (id: number): Promise<string | null> =>
    (await database.db.selectFrom('users').select('otp_secret').where('id', '=', id).executeTakeFirstOrThrow()).otp_secret;
  const storeSecret = (id: number, value: string) => database.db.updateTable('users').set({ otp_secret: value }).where('id', '=', id).execute();
  const totp = (secret: string): string => authenticator.clone({ epoch: gw.clock.now().getTime() }).generate(secret);
  /** Moves the gateway's clock to a fresh 30 s step (each step's code is usable once). */
  const nextStep = () => gw.clock.set(new Date(gw.clock.now().getTime() + 30_000));
  const signInWithCode = async (username: string, code: string): Promise<number> => {
    const c = new WebClient(gw.url);
    expect((await c.signIn(username, PASSWORD)).location).toBe('/users/sign_in');
    await c.get('/users/sign_in');
    const res = await c.post('/users/sign_in/two_factor', { otp_attempt: code });
    if (res.status === 303) expect(res.location).toBe(HOME);
    return res.status;
  };
  const twoFactorUser = async () => {
    const user = await gw.createUser(`otp${++n}`);
    return { user, ...(await gw.system.twoFactor.enableNow(user)) };
  };

  it('stores the secret sealed, and a code made from it signs in', async () => {
    const { user, secret } = await twoFactorUser();
    const stored = await storedSecret(user.id);
    expect(stored).not.toBeNull();
    expect(stored).not.toContain(secret);
    expect(stored!.toUpperCase()).not.toContain(secret);
    nextStep();
    expect(await signInWithCode(user.username, totp(secret))).toBe(303);
  });

  it('stores the secret of a setup begun on the page sealed, and enables 2FA with a code made from it', async () => {
    const user = await gw.createUser(`otp${++n}`);
    const c = new WebClient(gw.url);
    expect((await c.signIn(user.username, PASSWORD)).location).toBe(HOME);
    const page = await c.get(TWO_FACTOR);
    const secret = /id="otp-secret"[^>]*>([^<]+)</.exec(page.html)![1]!.replace(/\s+/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(await storedSecret(user.id)).not.toContain(secret);
    expect(/id="otp-secret"[^>]*>([^<]+)</.exec((await c.get(TWO_FACTOR)).html)![1]!.replace(/\s+/g, '')).toBe(secret);
    nextStep();
    expect((await c.post(TWO_FACTOR, { pin_code: totp(secret) })).location).toBe(TWO_FACTOR);
    expect((await gw.system.users.get(user.id)).twoFactorEnabled).toBe(true);
    expect(await storedSecret(user.id)).not.toContain(secret);
    nextStep();
    expect(await signInWithCode(user.username, totp(secret))).toBe(303);
  });

  it('accepts a plaintext secret from before sealing, and seals it on its first use', async () => {
    const { user } = await twoFactorUser();
    const legacy = authenticator.generateSecret(20);
    await storeSecret(user.id, legacy);
    nextStep();
    expect(await signInWithCode(user.username, totp(legacy))).toBe(303);
    const stored = await storedSecret(user.id);
    expect(stored).not.toBeNull();
    expect(stored).not.toContain(legacy);
    nextStep();
    expect(await signInWithCode(user.username, totp(legacy))).toBe(303);
  });

  it('seals a pending plaintext secret when the setup page shows it', async () => {
    const user = await gw.createUser(`otp${++n}`);
    const legacy = authenticator.generateSecret(20);
    await storeSecret(user.id, legacy);
    const c = new WebClient(gw.url);
    await c.signIn(user.username, PASSWORD);
    expect((await c.get(TWO_FACTOR)).html).toContain(legacy.replace(/(.{4})(?=.)/g, '$1 '));
    expect(await storedSecret(user.id)).not.toContain(legacy);
  });

  it('matches no code when the stored value is neither sealed under this server secret nor a base32 secret', async () => {
    const { user, secret } = await twoFactorUser();
    const otherServer = seal(deriveKey('another-server-secret-of-32-characters', 'two-factor otp secret'), secret);
    for (const value of ['not-a-secret!', otherServer]) {
      await storeSecret(user.id, value);
      nextStep();
      // otplib turns any string into a key: the stored value must not be used as one.
      expect(await signInWithCode(user.username, totp(value))).toBe(422);
      expect(await signInWithCode(user.username, totp(secret))).toBe(422);
      expect(await storedSecret(user.id)).toBe(value);
    }
  });

  it('replaces an unusable pending secret on the setup page instead of showing it', async () => {
    const user = await gw.createUser(`otp${++n}`);
    await storeSecret(user.id, 'not-a-secret!');
    const c = new WebClient(gw.url);
    await c.signIn(user.username, PASSWORD);
    const secret = /id="otp-secret"[^>]*>([^<]+)</.exec((await c.get(TWO_FACTOR)).html)![1]!.replace(/\s+/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const stored = await storedSecret(user.id);
    expect(stored).not.toBe('not-a-secret!');
    expect(stored).not.toContain(secret);
  });
});
