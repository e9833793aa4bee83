/**
 * The database stops and comes back: while it is gone gitgate answers 503
 * for everything that needs it — git, the API, the web sign-in, readiness —
 * admits nobody on the strength of what it cached (once it can no longer
 * confirm the revocation generation), keeps running, and serves again by
 * itself when the database returns. The PostgreSQL here is a private
 * cluster this file starts, halts and resumes.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Project } from '../../src/projects/project.js';
import { apiClient } from '../api/api-client.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { git } from '../support/git-cli.js';
import { startPrivateCluster, type PrivateCluster } from '../support/postgres.js';
import { WebClient } from '../web/support/web-client.js';

const why: string[] = [];
const cluster = await startPrivateCluster(why);
if (!cluster) {
  if (process.env.CI === 'true') throw new Error(`a private PostgreSQL cluster is required in CI: ${why.join('; ')}`);
  console.warn(`[gitgate tests] SKIPPED database outage suite: ${why.join('; ')}`);
}
const redisUrl = inject('redisUrl');

describe.runIf(cluster !== null)('database outage (private PostgreSQL cluster)', () => {
  const pg = cluster as PrivateCluster;
  let gw: Gateway;
  let project: Project;
  let token: string;
  let revoked: string;
  const basic = (secret: string) => ({ authorization: `Basic ${Buffer.from(`oauth2:${secret}`).toString('base64')}` });
  const refs = async (secret: string) =>
    (await fetch(`${gw.url}/${project.namespace}/${project.path}.git/info/refs?service=git-upload-pack`, { headers: basic(secret) })).status;
  const user = async (secret: string) => (await apiClient(gw)('GET', '/user', { token: secret })).status;
  const ready = async () => (await fetch(`${gw.url}/-/readiness`)).status;
  // A registry token for no repository needs nothing but the credentials: the cache alone can answer it.
  const jwt = async (secret: string) => (await fetch(`${gw.url}/jwt/auth?service=container_registry`, { headers: basic(secret) })).status;

  beforeAll(async () => {
    gw = await startGateway('sqlite', { env: { DATABASE_URL: pg.url }, ...(redisUrl ? { redisUrl } : {}) });
    const owner = await gw.createUser('owner');
    project = await gw.createProject(owner, 'p');
    await gw.seedCommit(project);
    token = (await gw.createToken(owner, ['read_repository', 'read_user'])).token;
    const old = await gw.createToken(owner, ['read_repository']);
    await gw.system.tokens.revoke({ id: owner.id, username: owner.username, isAdmin: false }, old.id);
    revoked = old.token;
  });
  afterAll(async () => {
    await pg.resume().catch(() => undefined);
    await gw?.stop();
    await pg.stop();
  });

  it('answers 503 while the database is down, admits nobody, and recovers without a restart', async () => {
    expect(await refs(token)).toBe(200);
    expect(await user(token)).toBe(200);
    expect(await refs(revoked)).toBe(401);

    expect(await jwt(token)).toBe(200);

    await pg.halt();
    // Cached records are trusted only while the generation can be confirmed; then the database is needed.
    await waitFor(async () => {
      expect(await refs(revoked)).not.toBe(200);
      return (await jwt(token)) === 503;
    });
    expect(await jwt(revoked)).toBe(503);
    expect(await refs(token)).toBe(503);
    expect(await user(token)).toBe(503);
    expect(await refs(`glpat-${'x'.repeat(20)}`)).toBe(401);
    expect(await ready()).toBe(503);
    const web = new WebClient(gw.url);
    await web.get('/users/sign_in');
    expect((await web.post('/users/sign_in', { login: 'owner', password: 'whatever-it-is' })).status).toBe(503);
    const anonymous = await fetch(`${gw.url}/${project.namespace}/${project.path}.git/info/refs?service=git-upload-pack`);
    expect(anonymous.status).toBe(503);
    const listed = await git(['ls-remote', `${gw.url.replace('://', `://oauth2:${token}@`)}/${project.namespace}/${project.path}.git`]);
    expect(listed.code).not.toBe(0);
    expect(listed.stderr).toMatch(/503/);

    await pg.resume();
    await waitFor(async () => (await ready()) === 200 && (await refs(token)) === 200);
    expect(await user(token)).toBe(200);
    expect(await jwt(token)).toBe(200);
    expect(await refs(revoked)).toBe(401);
    const again = await git(['ls-remote', `${gw.url.replace('://', `://oauth2:${token}@`)}/${project.namespace}/${project.path}.git`]);
    expect(again.code, again.stderr).toBe(0);
    const logged = gw.logs.map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(logged.filter((entry) => entry.level >= 50)).toEqual([]);
  });
});

/** Polls `condition` every 100 ms for at most 20 s (an outage taking hold, not a timing assertion). */
async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not met within 20 s');
}
