/**
 * The web router mounted on its own over a real system, for what depends on
 * the deployment: https cookies and headers, a maximum token lifetime, and
 * the reports to the failed-authentication guard.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attempt } from '../../src/identity/attempt-ledger.js';
import type { FailedAuthGuard } from '../../src/identity/failed-auth-guard.js';
import { GuardedAuthentication } from '../../src/auth/guarded-authentication.js';
import { BannedError } from '../../src/lib/errors.js';
import { createWebRouter } from '../../src/web/web-router.js';
import { ProjectUrls } from '../../src/projects/project-urls.js';
import { databaseKinds } from '../support/databases.js';
import { PASSWORD, startGateway, type Gateway } from '../support/gateway.js';
import { cookieAttributes, WebClient } from './support/web-client.js';

const HOME = '/-/user_settings/personal_access_tokens';

/** Records what the web pages report; bans the addresses in `banned`. */
class RecordingGuard implements FailedAuthGuard {
  readonly events: string[] = [];
  readonly banned = new Set<string>();
  async check(ip: string): Promise<void> {
    if (this.banned.has(ip)) throw new BannedError();
  }
  async begin(ip: string): Promise<Attempt> {
    await this.check(ip);
    return {
      settle: async (outcome) => {
        this.events.push(`${outcome} ${ip}`);
        return null;
      },
    };
  }
}

describe.each(databaseKinds())('the web router on its own, on %s', (kind) => {
  let gw: Gateway;
  let server: http.Server;
  let url: string;
  const guard = new RecordingGuard();

  beforeAll(async () => {
    gw = await startGateway(kind, { env: { GITGATE_MAX_TOKEN_LIFETIME_DAYS: '30' } });
    await gw.createUser('alice');
    await gw.createUser('carol').then((u) => gw.system.twoFactor.enableNow(u));
    const s = gw.system;
    const app = express();
    app.set('trust proxy', 'loopback');
    app.use(
      createWebRouter({
        ...s.web,
        logger: s.logger,
        users: s.users,
        twoFactor: s.twoFactor,
        tokens: s.tokens,
        audit: s.audit,
        externalUrl: 'https://git.example.test',
        guarded: new GuardedAuthentication(guard, s.audit),
        projects: s.projects,
        urls: new ProjectUrls('https://git.example.test', null),
      }),
    );
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await gw?.stop();
  });

  const client = (ip: string): WebClient => new WebClient(url, { 'x-forwarded-for': ip });

  it('behind https: __Host- cookies that are Secure, HSTS, upgrade-insecure-requests', async () => {
    const c = client('198.51.100.1');
    const form = await c.get('/users/sign_in');
    expect(cookieAttributes(form, '__Host-gitgate_csrf')).toEqual(expect.arrayContaining(['secure', 'httponly', 'path=/', 'samesite=strict']));
    expect(form.headers.get('strict-transport-security')).toMatch(/max-age=31536000/);
    expect(form.headers.get('content-security-policy')).toContain('upgrade-insecure-requests');
    const signedIn = await c.post('/users/sign_in', { login: 'alice', password: PASSWORD }, { headers: { origin: 'https://git.example.test' } });
    expect(signedIn.status).toBe(303);
    expect(cookieAttributes(signedIn, '__Host-gitgate_session')).toEqual(
      expect.arrayContaining(['secure', 'httponly', 'path=/', 'samesite=lax']),
    );
  });

  it('requires an expiry within the maximum lifetime, prefilled 30 days ahead', async () => {
    const c = client('198.51.100.2');
    await c.signIn('alice', PASSWORD);
    const page = await c.get(HOME);
    const today = gw.system.tokens.today();
    const max = new Date(`${today}T00:00:00Z`);
    max.setUTCDate(max.getUTCDate() + 30);
    const maxDate = max.toISOString().slice(0, 10);
    expect(page.html).toMatch(new RegExp(`name="expires_at" type="date" value="${maxDate}" min="[0-9-]+" max="${maxDate}" required`));
    const missing = await c.post(HOME, { name: 'no expiry', scopes: 'read_user', expires_at: '' });
    expect(missing.status).toBe(422);
    expect(missing.html).toContain('expires_at is missing');
    const tooFar = await c.post(HOME, { name: 'too far', scopes: 'read_user', expires_at: '2999-01-01' });
    expect(tooFar.status).toBe(422);
    expect(tooFar.html).toContain('Expiration date must be before');
    expect(tooFar.html).toContain('value="too far"');
  });

  it('reports wrong passwords and codes as failures, complete sign-ins as successes, a password step owing its code as neither', async () => {
    guard.events.length = 0;
    await client('198.51.100.3').signIn('alice', 'wrong-password');
    await client('198.51.100.4').signIn('alice', PASSWORD);
    const c = client('198.51.100.5');
    await c.signIn('carol', PASSWORD);
    await c.get('/users/sign_in');
    await c.post('/users/sign_in/two_factor', { otp_attempt: 'not-a-code' });
    expect(guard.events).toEqual(['failure 198.51.100.3', 'success 198.51.100.4', 'neutral 198.51.100.5', 'failure 198.51.100.5']);
  });

  it('refuses a banned address before looking at the password', async () => {
    guard.events.length = 0;
    guard.banned.add('198.51.100.6');
    const page = await client('198.51.100.6').signIn('alice', PASSWORD);
    expect(page.status).toBe(403);
    expect(page.html).toContain('Too many failed sign-in attempts from your address');
    expect(guard.events).toEqual([]);
  });
});
