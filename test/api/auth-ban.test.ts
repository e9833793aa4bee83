/**
 * The API reports token failures to the failed-authentication guard: after
 * maxretry bad tokens from one IP, even a good token from it is refused,
 * with GitLab-shaped JSON. Loopback is allow-listed by default, so this
 * gateway allow-lists another address instead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { apiClient } from './api-client.js';

const BAN_ENV = {
  GITGATE_AUTH_BAN_MAX_RETRY: '3',
  GITGATE_AUTH_BAN_FIND_TIME_SECONDS: '60',
  GITGATE_AUTH_BAN_TIME_SECONDS: '600',
  GITGATE_AUTH_BAN_ALLOWLIST: '192.0.2.1',
};

describe.each(databaseKinds())('API and the failed-authentication ban on %s', (kind) => {
  let gw: Gateway;

  beforeAll(async () => {
    gw = await startGateway(kind, { env: BAN_ENV });
  });
  afterAll(() => gw?.stop());

  it('counts unknown and revoked tokens, resets on success, and bans after maxretry', async () => {
    const call = apiClient(gw);
    const alice = await gw.createUser('alice');
    const { token } = await gw.createToken(alice, ['read_user']);
    const revoked = await gw.createToken(alice, ['read_user']);
    await gw.system.tokens.revoke(alice, revoked.id);

    expect((await call('GET', '/user', { token: 'glpat-unknown' })).status).toBe(401);
    expect((await call('GET', '/user', { token: revoked.token })).status).toBe(401);
    expect((await call('GET', '/user', { token })).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await call('GET', '/user', { token: 'glpat-unknown', via: 'bearer' })).status).toBe(401);

    const banned = await call('GET', '/user', { token });
    expect(banned.status).toBe(403);
    expect(banned.body).toEqual({ message: '403 Forbidden - Too many failed authentication attempts from this IP' });
    expect(banned.text).not.toContain(token);
    expect((await call('GET', '/projects')).status).toBe(200);
  });
});
