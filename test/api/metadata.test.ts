/**
 * `GET /metadata` and `/version`, as GitLab answers them: authenticated
 * only, with `read_user`, `read_api` or `api`; the GitLab release whose API
 * gitgate follows and gitgate's own version.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_VERSION } from '../../src/lib/package-version.js';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { apiClient, obj } from './api-client.js';

describe.each(databaseKinds())('instance metadata on %s', (kind) => {
  let gw: Gateway;
  let call: ReturnType<typeof apiClient>;
  let alice: User;

  beforeAll(async () => {
    gw = await startGateway(kind);
    call = apiClient(gw);
    alice = await gw.createUser('alice');
  });
  afterAll(() => gw?.stop());

  it.each(['/metadata', '/version'])('%s answers GitLab\'s fields to read_user, read_api and api tokens', async (path) => {
    for (const scope of ['read_user', 'read_api', 'api']) {
      const res = await call('GET', path, { token: (await gw.createToken(alice, [scope])).token });
      expect(res.status, `${scope}: ${res.text}`).toBe(200);
      expect(obj(res)).toEqual({
        version: '17.0.0-gitgate',
        revision: `gitgate-${PACKAGE_VERSION}`,
        kas: { enabled: false, externalUrl: null, version: null },
        enterprise: false,
      });
    }
  });

  it.each(['/metadata', '/version'])('%s needs a token, and one with a scope that reads the API', async (path) => {
    expect(await call('GET', path)).toMatchObject({ status: 401, body: { message: '401 Unauthorized' } });
    const res = await call('GET', path, { token: (await gw.createToken(alice, ['read_repository'])).token });
    expect(res.status).toBe(403);
    expect(obj(res)).toMatchObject({ error: 'insufficient_scope', scope: 'api read_api read_user' });
  });

  it('takes the version from package.json', () => {
    expect(PACKAGE_VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });
});
