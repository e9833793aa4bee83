/**
 * Races an attacker (or a busy CI fleet) can start: hundreds of guesses at
 * once against the account lockout and the per-address ban, one recovery
 * code or TOTP code submitted many times at once, concurrent rotations of
 * one token. Enough parallelism that the check-then-act versions failed.
 */
import { authenticator } from 'otplib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { User } from '../../src/users/user.js';
import { apiClient } from '../api/api-client.js';
import { databaseKinds } from '../support/databases.js';
import { PASSWORD, startGateway, type Gateway } from '../support/gateway.js';
import { WebClient } from '../web/support/web-client.js';

const HOME = '/-/user_settings/personal_access_tokens';
const redisUrl = inject('redisUrl');
const counts = (statuses: number[]) => statuses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});

describe.each(databaseKinds())('concurrent attempts on %s', (kind) => {
  let gw: Gateway;
  let address = 0;
  // Every scenario comes from addresses of its own (the gateway trusts loopback as a proxy).
  const from = () => `198.51.100.${++address}`;

  beforeAll(async () => {
    gw = await startGateway(kind, {
      env: { GITGATE_TRUSTED_PROXIES: '127.0.0.1', GITGATE_AUTH_BAN_ALLOWLIST: '192.0.2.1', GITGATE_AUTH_BAN_MAX_RETRY: '10' },
    });
  });
  afterAll(() => gw?.stop());

  it('300 wrong web passwords at once: exactly 10 are checked, the account locks, and the right one is then refused', async () => {
    const user = await gw.createUser('guessed');
    const sources = Array.from({ length: 300 }, from);
    const clients = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const c = new WebClient(gw.url);
        await c.get('/users/sign_in');
        return c;
      }),
    );
    const pages = await Promise.all(
      sources.map((ip, i) => clients[i % clients.length]!.post('/users/sign_in', { login: user.username, password: `guess-${i}` }, { headers: { 'x-forwarded-for': ip } })),
    );
    expect(counts(pages.map((p) => p.status))).toEqual({ 401: 10, 403: 290 });
    const right = await new WebClient(gw.url, { 'x-forwarded-for': from() }).signIn(user.username, PASSWORD);
    expect(right.status).toBe(403);
    expect(right.html).toContain('Your account is locked');
  });

  it('60 bad git logins at once from one address: exactly 10 are checked before the ban', async () => {
    const owner = await gw.createUser('repo-owner');
    const project = await gw.createProject(owner, 'p');
    // Revoked tokens: well-formed, so each check reads the database like a real guess would.
    const revoked = await Promise.all(
      Array.from({ length: 60 }, async () => {
        const issued = await gw.createToken(owner, ['read_repository']);
        await gw.system.tokens.revoke({ id: owner.id, username: owner.username, isAdmin: false }, issued.id);
        return issued.token;
      }),
    );
    const ip = from();
    const statuses = await Promise.all(
      revoked.map(async (wrong) => {
        const res = await fetch(`${gw.url}/${project.namespace}/${project.path}.git/info/refs?service=git-upload-pack`, {
          headers: { 'x-forwarded-for': ip, authorization: `Basic ${Buffer.from(`x:${wrong}`).toString('base64')}` },
        });
        await res.arrayBuffer();
        return res.status;
      }),
    );
    expect(counts(statuses)).toEqual({ 401: 10, 403: 50 });
  });

  it('60 good git requests at once from one address all succeed: a burst waits for slots, it is not refused', async () => {
    const owner = await gw.createUser('busy-ci');
    const project = await gw.createProject(owner, 'p');
    await gw.seedCommit(project);
    const { token } = await gw.createToken(owner, ['read_repository']);
    const ip = from();
    const statuses = await Promise.all(
      Array.from({ length: 60 }, async () => {
        const res = await fetch(`${gw.url}/${project.namespace}/${project.path}.git/info/refs?service=git-upload-pack`, {
          headers: { 'x-forwarded-for': ip, authorization: `Basic ${Buffer.from(`ci:${token}`).toString('base64')}` },
        });
        await res.arrayBuffer();
        return res.status;
      }),
    );
    expect(counts(statuses)).toEqual({ 200: 60 });
  });

  describe('second factors', () => {
    let user: User;
    let secret: string;
    let recoveryCodes: string[];

    beforeAll(async () => {
      user = await gw.createUser('racer');
      ({ secret, recoveryCodes } = await gw.system.twoFactor.enableNow(user));
    });

    /** `n` browsers that passed the password step and owe the code. */
    const pending = (n: number) =>
      Promise.all(
        Array.from({ length: n }, async () => {
          const c = new WebClient(gw.url, { 'x-forwarded-for': from() });
          expect((await c.signIn(user.username, PASSWORD)).status).toBe(303);
          await c.get('/users/sign_in');
          return c;
        }),
      );
    const submit = (clients: WebClient[], codes: string[]) =>
      Promise.all(clients.map((c, i) => c.post('/users/sign_in/two_factor', { otp_attempt: codes[i % codes.length]! })));

    it('one recovery code submitted 8 times at once signs in exactly once', async () => {
      const pages = await submit(await pending(8), [recoveryCodes[0]!]);
      expect(pages.filter((p) => p.location === HOME)).toHaveLength(1);
    });

    it('4 different recovery codes at once all sign in, and all 4 are gone afterwards (no lost update)', async () => {
      const codes = recoveryCodes.slice(1, 5);
      const pages = await submit(await pending(4), codes);
      expect(pages.map((p) => p.location)).toEqual([HOME, HOME, HOME, HOME]);
      expect((await gw.system.users.get(user.id)).otpBackupCodes).toHaveLength(5);
      const again = await submit(await pending(4), codes);
      expect(again.map((p) => p.status)).toEqual([422, 422, 422, 422]);
    });

    it('one TOTP code submitted 8 times at once signs in exactly once', async () => {
      gw.clock.advance(60_000);
      const code = authenticator.clone({ epoch: gw.clock.now().getTime() }).generate(secret);
      const pages = await submit(await pending(8), [code]);
      expect(pages.filter((p) => p.location === HOME)).toHaveLength(1);
    });
  });

  it('8 rotations of one token at once: exactly one succeeds and exactly one successor is active', async () => {
    const admin = await gw.createUser('rotator', { admin: true });
    const { token: adminToken } = await gw.createToken(admin, ['api']);
    const owner = await gw.createUser('rotated');
    const { id } = await gw.createToken(owner, ['read_repository'], { name: 'ci' });
    const results = await Promise.all(Array.from({ length: 8 }, () => apiClient(gw)('POST', `/personal_access_tokens/${id}/rotate`, { token: adminToken })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status !== 200).every((r) => r.status === 400)).toBe(true);
    const { tokens } = await gw.system.tokens.list({ id: admin.id, username: admin.username, isAdmin: true }, { userId: owner.id });
    expect(tokens.filter((t) => gw.system.tokens.isActive(t))).toHaveLength(1);
  });
});

describe.runIf(redisUrl !== null)('concurrent bad logins across two instances sharing Redis', () => {
  let a: Gateway;
  let b: Gateway;

  beforeAll(async () => {
    a = await startGateway('sqlite', { redisUrl: redisUrl!, env: { GITGATE_TRUSTED_PROXIES: '127.0.0.1', GITGATE_AUTH_BAN_ALLOWLIST: '192.0.2.1' } });
    b = await startGateway('sqlite', { shareWith: a });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('60 bad logins split over two instances: exactly 10 checked in all', async () => {
    const owner = await a.createUser('shared');
    const project = await a.createProject(owner, 'p');
    const statuses = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const gw = i % 2 === 0 ? a : b;
        const res = await fetch(`${gw.url}/${project.namespace}/${project.path}.git/info/refs?service=git-upload-pack`, {
          headers: { 'x-forwarded-for': '203.0.113.50', authorization: `Basic ${Buffer.from(`x:glpat-${String(i).padStart(20, '0')}`).toString('base64')}` },
        });
        await res.arrayBuffer();
        return res.status;
      }),
    );
    expect(counts(statuses)).toEqual({ 401: 10, 403: 50 });
  });
});
