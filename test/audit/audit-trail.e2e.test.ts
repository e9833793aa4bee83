/**
 * The audit trail end to end: a real gateway on each database, driven the
 * way clients drive it — the REST API, real git over HTTP, the web pages,
 * the registry's /jwt/auth — and every event read back with its author,
 * entity, target, client address (X-Forwarded-For from a trusted proxy) and
 * the request id the client got. No event ever holds a token or password.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditAction, AuditEvent } from '../../src/audit/audit-event.js';
import type { Project } from '../../src/projects/project.js';
import type { User } from '../../src/users/user.js';
import { apiClient, obj } from '../api/api-client.js';
import { databaseKinds } from '../support/databases.js';
import { PASSWORD, startGateway, type Gateway } from '../support/gateway.js';
import { authUrl, git, tempDir } from '../support/git-cli.js';
import { generateKey, gitSsh, sshToolsInstalled, sshUrl } from '../ssh/ssh-client.js';
import { WebClient } from '../web/support/web-client.js';

const from = (ip: string) => ({ 'X-Forwarded-For': ip });
const basic = (login: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${login}:${secret}`).toString('base64')}` });

describe.each(databaseKinds())('the audit trail on %s', (kind) => {
  let gw: Gateway;
  let root: User;
  let rootToken: string;
  let call: ReturnType<typeof apiClient>;
  /** Every plaintext secret the tests use; none may appear in any event. */
  const secrets = [PASSWORD];

  beforeAll(async () => {
    gw = await startGateway(kind, { env: { GITGATE_TRUSTED_PROXIES: '127.0.0.1' }, ssh: sshToolsInstalled() });
    root = await gw.createUser('boss', { admin: true });
    rootToken = (await gw.createToken(root, ['api'])).token;
    secrets.push(rootToken);
    call = apiClient(gw);
  });
  afterAll(async () => {
    // The trail of the whole file, as an administrator reads it, holds no secret.
    await gw.system.audit.flush();
    const all = JSON.stringify((await gw.system.audit.list({})).events);
    for (const secret of secrets) expect(all).not.toContain(secret);
    await gw?.stop();
  });

  /** Events of `action` about `user` (all when omitted), oldest first. */
  const events = async (action: AuditAction, user?: User): Promise<AuditEvent[]> => {
    await gw.system.tokens.flushUsage();
    await gw.system.audit.flush();
    const query = user ? { entityType: 'User' as const, entityId: user.id } : {};
    return (await gw.system.audit.list(query)).events.filter((e) => e.action === action).reverse();
  };
  const token = async (user: User, scopes = ['api'], expiresAt?: string) => {
    const issued = await gw.createToken(user, scopes, expiresAt ? { expiresAt } : {});
    secrets.push(issued.token);
    return issued;
  };

  it('records a token created, rotated and revoked, by whom, from where, under the request id the client got', async () => {
    const alice = await gw.createUser('alice');
    const created = await call('POST', `/users/${alice.id}/personal_access_tokens`, {
      token: rootToken,
      json: { name: 'ci', scopes: ['read_repository'], expires_at: '2099-01-01' },
      headers: from('203.0.113.10'),
    });
    expect(created.status).toBe(201);
    secrets.push(String(obj(created).token));
    const [made] = await events('personal_access_token_created', alice);
    expect(made).toMatchObject({
      author: { id: root.id, name: 'boss' },
      entity: { type: 'User', id: alice.id, path: 'alice' },
      target: { type: 'PersonalAccessToken', id: obj(created).id, details: 'ci' },
      ipAddress: '203.0.113.10',
      requestId: created.headers.get('x-request-id'),
      details: { scopes: ['read_repository'], expires_at: '2099-01-01' },
    });

    const own = await token(alice);
    const rotated = await call('POST', `/personal_access_tokens/${own.id}/rotate`, { token: own.token, headers: from('203.0.113.11') });
    expect(rotated.status).toBe(200);
    secrets.push(String(obj(rotated).token));
    expect(await events('personal_access_token_rotated', alice)).toMatchObject([
      { author: { id: alice.id }, target: { id: obj(rotated).id }, details: { previous_token_id: own.id }, ipAddress: '203.0.113.11' },
    ]);

    const revoked = await call('DELETE', `/personal_access_tokens/${obj(rotated).id}`, { token: rootToken, headers: from('203.0.113.12') });
    expect(revoked.status).toBe(204);
    expect(await events('personal_access_token_revoked', alice)).toMatchObject([
      { author: { id: root.id, name: 'boss' }, target: { id: obj(rotated).id }, details: { reason: 'revoked_by_administrator' }, ipAddress: '203.0.113.12' },
    ]);
  });

  it('records an expired token once, at the first use refused for it', async () => {
    const bob = await gw.createUser('bob');
    const tomorrow = new Date(gw.clock.now().getTime() + 86_400_000).toISOString().slice(0, 10);
    const { token: plaintext, id } = await token(bob, ['api'], tomorrow);
    gw.clock.advance(2 * 86_400_000);
    try {
      for (let i = 0; i < 3; i++) expect((await call('GET', '/user', { token: plaintext, headers: from('203.0.113.20') })).status).toBe(401);
      expect(await events('personal_access_token_expired', bob)).toMatchObject([
        { author: { id: -2 }, target: { type: 'PersonalAccessToken', id }, ipAddress: '203.0.113.20', details: { expires_at: tomorrow } },
      ]);
      expect(await events('sign_in_failed', bob)).toMatchObject([
        { details: { surface: 'api', credential: 'token', reason: 'expired' }, target: { id } },
        { details: { reason: 'expired' } },
        { details: { reason: 'expired' } },
      ]);
    } finally {
      gw.clock.set(new Date());
    }
  });

  it('records the first use of a token from each address, by real git clones', async () => {
    const carol = await gw.createUser('carol');
    const project = await gw.createProject(carol, 'tools');
    await gw.seedCommit(project);
    const { token: plaintext, id } = await token(carol, ['read_repository']);
    const clone = (ip: string) =>
      git(['-c', `http.extraHeader=X-Forwarded-For: ${ip}`, 'clone', '-q', '--bare', authUrl(gw.url, 'carol/tools.git', 'ci', plaintext), tempDir()]);
    for (const ip of ['198.51.100.1', '198.51.100.1', '198.51.100.2', '198.51.100.1']) expect((await clone(ip)).code).toBe(0);
    const used = await events('personal_access_token_used_from_new_address', carol);
    expect(used.map((e) => [e.details.address, e.ipAddress, e.target?.id, e.target?.details])).toEqual([
      ['198.51.100.1', '198.51.100.1', id, 'test'],
      ['198.51.100.2', '198.51.100.2', id, 'test'],
    ]);
  });

  it('records sign-ins on the web, over git with a password and at the registry, and failures on every surface', async () => {
    const dave = await gw.createUser('dave');
    const project: Project = await gw.createProject(dave, 'site');
    await gw.seedCommit(project);
    const web = new WebClient(gw.url, from('192.0.2.30'));
    expect((await web.signIn('dave', 'wrong-password')).status).toBe(401);
    expect((await web.signIn('dave', PASSWORD)).status).toBe(303);
    const clone = (secret: string) =>
      git(['-c', 'http.extraHeader=X-Forwarded-For: 192.0.2.31', 'clone', '-q', '--bare', authUrl(gw.url, 'dave/site.git', 'dave', secret), tempDir()]);
    expect((await clone(PASSWORD)).code).toBe(0);
    expect((await clone(PASSWORD)).code).toBe(0);
    expect((await clone('wrong-password')).code).not.toBe(0);
    const registry = (secret: string) =>
      fetch(`${gw.url}/jwt/auth?service=container_registry&scope=repository:dave/site:pull`, { headers: { ...basic('dave', secret), ...from('192.0.2.32') } });
    expect((await registry(PASSWORD)).status).toBe(200);
    expect((await registry('wrong-password')).status).toBe(401);
    expect((await call('GET', '/user', { token: 'glpat-not-a-real-token', headers: from('192.0.2.33') })).status).toBe(401);

    const ok = await events('sign_in_succeeded', dave);
    expect(ok.map((e) => [e.details.surface, e.details.credential, e.ipAddress])).toEqual([
      ['web', 'password', '192.0.2.30'],
      ['git-http', 'password', '192.0.2.31'],
      ['registry', 'password', '192.0.2.32'],
    ]);
    const failed = await events('sign_in_failed', dave);
    expect(failed.map((e) => [e.details.surface, e.details.credential, e.details.reason, e.ipAddress, e.author.id])).toEqual([
      ['web', 'password', 'invalid', '192.0.2.30', -1],
      ['git-http', 'password', 'invalid', '192.0.2.31', -1],
      ['registry', 'password', 'invalid', '192.0.2.32', -1],
    ]);
    const unknown = (await events('sign_in_failed')).filter((e) => e.ipAddress === '192.0.2.33');
    expect(unknown).toMatchObject([{ entity: { type: 'Gitlab::Audit::InstanceScope', id: 1 }, target: null, details: { surface: 'api', credential: 'token', reason: 'invalid' } }]);
  });

  it('records 2FA turned on by an administrator, a recovery code used, 2FA turned off, a new password, blocking and unblocking', async () => {
    const erin = await gw.createUser('erin');
    const { recoveryCodes } = await gw.system.twoFactor.enableNow(erin, { id: root.id, username: root.username, isAdmin: true });
    const web = new WebClient(gw.url, from('192.0.2.40'));
    expect((await web.signIn('erin', PASSWORD)).status).toBe(303);
    await web.get('/users/sign_in');
    expect((await web.post('/users/sign_in/two_factor', { otp_attempt: recoveryCodes[0]! })).status).toBe(303);
    await web.get('/-/user_settings/two_factor_auth');
    expect((await web.post('/-/user_settings/two_factor_auth/disable', { current_password: PASSWORD })).status).toBe(303);
    expect((await call('PUT', `/users/${erin.id}`, { token: rootToken, json: { password: 'another-password-1' }, headers: from('192.0.2.41') })).status).toBe(200);
    secrets.push('another-password-1', ...recoveryCodes);
    expect((await call('POST', `/users/${erin.id}/block`, { token: rootToken, headers: from('192.0.2.41') })).status).toBe(201);
    expect((await call('POST', `/users/${erin.id}/unblock`, { token: rootToken, headers: from('192.0.2.41') })).status).toBe(201);

    const trail = (await gw.system.audit.list({ entityType: 'User', entityId: erin.id })).events.reverse();
    expect(trail.map((e) => [e.action, e.author.name, e.ipAddress])).toEqual([
      ['two_factor_enabled', 'boss', null],
      ['two_factor_recovery_code_used', 'erin', '192.0.2.40'],
      ['sign_in_succeeded', 'erin', '192.0.2.40'],
      ['two_factor_disabled', 'erin', '192.0.2.40'],
      ['password_changed', 'boss', '192.0.2.41'],
      ['user_blocked', 'boss', '192.0.2.41'],
      ['user_unblocked', 'boss', '192.0.2.41'],
    ]);
    expect(trail[1]?.details).toEqual({ remaining: 9 });
    expect(trail[2]?.details).toEqual({ surface: 'web', credential: 'two_factor' });
  });

  it('records SSH keys added and removed', async () => {
    const fay = await gw.createUser('fay');
    const faysToken = (await token(fay)).token;
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl fay@laptop';
    const added = await call('POST', '/user/keys', { token: faysToken, json: { title: 'laptop', key }, headers: from('192.0.2.50') });
    expect(added.status).toBe(201);
    expect((await call('DELETE', `/users/${fay.id}/keys/${obj(added).id}`, { token: rootToken, headers: from('192.0.2.51') })).status).toBe(204);
    const trail = (await gw.system.audit.list({ entityType: 'User', entityId: fay.id })).events.filter((e) => e.action.startsWith('ssh_key'));
    expect(trail.reverse()).toMatchObject([
      { action: 'ssh_key_added', author: { name: 'fay' }, target: { type: 'Key', id: obj(added).id, details: 'laptop' }, ipAddress: '192.0.2.50' },
      { action: 'ssh_key_removed', author: { name: 'boss' }, target: { type: 'Key', id: obj(added).id }, ipAddress: '192.0.2.51' },
    ]);
    expect(trail[0]?.details.fingerprint).toMatch(/^SHA256:/);
  });

  it('records an account lock and an address ban once each, when they start', async () => {
    const gus = await gw.createUser('gus');
    const project = await gw.createProject(gus, 'vault');
    const infoRefs = (ip: string, secret: string) =>
      fetch(`${gw.url}/${project.namespace}/${project.path}.git/info/refs?service=git-upload-pack`, { headers: { ...basic('gus', secret), ...from(ip) } });
    // Ten addresses, one guess each: the tenth wrong password locks the account, no address is banned.
    for (let i = 0; i < 10; i++) expect((await infoRefs(`203.0.113.${100 + i}`, 'wrong-password')).status).toBe(401);
    expect((await infoRefs('203.0.113.120', PASSWORD)).status).toBe(401);
    expect(await events('account_locked', gus)).toMatchObject([{ author: { id: -2 }, ipAddress: '203.0.113.109', target: { type: 'User', id: gus.id } }]);
    expect((await events('sign_in_failed', gus)).at(-1)?.details).toMatchObject({ surface: 'git-http', reason: 'locked' });

    // One address, ten unknown tokens: the tenth starts the ban; refused requests while banned are not failures.
    for (let i = 0; i < 10; i++) expect((await call('GET', '/user', { token: `glpat-guess-${i}`, headers: from('198.51.100.99') })).status).toBe(401);
    for (let i = 0; i < 3; i++) expect((await call('GET', '/user', { token: 'glpat-guess', headers: from('198.51.100.99') })).status).toBe(403);
    const bans = (await events('ip_banned')).filter((e) => e.target?.details === '198.51.100.99');
    expect(bans).toMatchObject([{ author: { id: -2 }, entity: { type: 'Gitlab::Audit::InstanceScope' }, target: { type: 'IpAddress' }, details: { surface: 'api' } }]);
    expect((await events('sign_in_failed')).filter((e) => e.ipAddress === '198.51.100.99')).toHaveLength(10);
  });

  it('bounds what a brute force writes: 10 failures per address a minute one by one, the rest in a summary', async () => {
    gw.clock.set('2031-06-01T10:00:05Z');
    try {
      // 127.0.0.1 is on the ban allow-list by default, so nothing stops the guesses but the throttle.
      for (let i = 0; i < 40; i++) expect((await call('GET', '/user', { token: `glpat-brute-${i}` })).status).toBe(401);
      const mine = async () => (await events('sign_in_failed')).filter((e) => e.ipAddress === '127.0.0.1' && e.createdAt.getTime() >= Date.parse('2031-06-01T10:00:00Z'));
      expect(await mine()).toHaveLength(10);
      gw.clock.set('2031-06-01T10:01:05Z');
      expect((await call('GET', '/user', { token: 'glpat-brute-next' })).status).toBe(401);
      const summary = (await events('sign_in_failed')).find((e) => e.details.aggregated === true && e.details.window_start === '2031-06-01T10:00:00.000Z');
      expect(summary?.details).toMatchObject({ suppressed: 30, top: ['127.0.0.1: 30'] });
      expect(await mine()).toHaveLength(11);
    } finally {
      gw.clock.set(new Date());
    }
  });

  it.runIf(sshToolsInstalled())('records SSH sign-ins with a key and a password under the connection id', async () => {
    const ivy = await gw.createUser('ivy');
    const project = await gw.createProject(ivy, 'dots');
    await gw.seedCommit(project);
    const key = await generateKey();
    await gw.system.sshKeys.add({ id: ivy.id, username: 'ivy', isAdmin: false }, ivy.id, { title: 'laptop', key: key.publicKey });
    const port = gw.sshPort!;
    expect((await gitSsh(port, { key }, ['ls-remote', sshUrl(port, 'git', 'ivy/dots.git')])).code).toBe(0);
    expect((await gitSsh(port, { secret: PASSWORD }, ['ls-remote', sshUrl(port, 'ivy', 'ivy/dots.git')])).code).toBe(0);
    expect((await gitSsh(port, { secret: 'wrong-password' }, ['ls-remote', sshUrl(port, 'ivy', 'ivy/dots.git')])).code).not.toBe(0);
    const ok = await events('sign_in_succeeded', ivy);
    expect(ok.map((e) => [e.details.surface, e.details.credential, e.ipAddress])).toEqual([
      ['ssh', 'ssh_key', '127.0.0.1'],
      ['ssh', 'password', '127.0.0.1'],
    ]);
    const failed = await events('sign_in_failed', ivy);
    expect(failed.map((e) => [e.details.surface, e.details.credential, e.details.reason])).toEqual([['ssh', 'password', 'invalid']]);
    const ids = [...ok, ...failed].map((e) => e.requestId);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(ids).size).toBe(3);
    const logged = gw.logs.filter((line) => ids.some((id) => line.includes(`"sshConnectionId":"${id}"`)));
    expect(logged.length).toBeGreaterThan(0);
  });

  it("shows the user's own recent events on the access token page", async () => {
    const hal = await gw.createUser('hal');
    await gw.system.tokens.create({ id: root.id, username: 'boss', isAdmin: true }, hal.id, { name: 'deploy', scopes: ['api'] });
    const web = new WebClient(gw.url, from('192.0.2.60'));
    expect((await web.signIn('hal', 'wrong-password')).status).toBe(401);
    await web.follow(await web.signIn('hal', PASSWORD));
    const page = await web.get('/-/user_settings/personal_access_tokens');
    const table = page.html.slice(page.html.indexOf('Recent security events'));
    expect(table).toContain('Signed in with password (web)');
    expect(table).toContain('Failed sign-in with password (web: invalid)');
    expect(table).toContain('Personal access token &quot;deploy&quot; created by boss');
    expect(table).toContain('192.0.2.60');
    expect(table).not.toContain('ssh_key');
  });
});
