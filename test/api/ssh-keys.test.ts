/**
 * GitLab's SSH key endpoints (`/user/keys`, `/users/:id/keys`) and the
 * `gitgate key` commands: entities, GitLab's validation errors, who may do
 * what, and that a key added this way signs in over SSH at once.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import ssh2 from 'ssh2';
import { wellFormed } from '../../src/ssh/host-keys.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { generateKey, ssh } from '../ssh/ssh-client.js';
import { apiClient, list, obj } from './api-client.js';

const EXTERNAL = 'https://git.example.test';
const BIN = path.resolve('test/support/gitgate-source');
const exec = promisify(execFile);
const ed25519 = (comment = 'alice@laptop') => wellFormed(() => ssh2.utils.generateKeyPairSync('ed25519', { comment })).public;
// A DSA key: refused by type before its blob is looked at.
const DSA =
  'ssh-dss AAAAB3NzaC1kc3MAAACBAP1/U4EddRIpUt9KnC7s5Of2EbdSPO9EAMMeP4C2USZpRV1AIlH7WT2NWPq/xfW6MPbLm1Vs14E7gB00b/JmYLdrmVClpJ+f6AR7ECLCT7up1/63xhv4O1fnxqimFQ8E+4P208UewwI1VBNaFpEy9nXzrith1yrv8iIDGZ3RSAHHAAAAFQCXYFCPFSMLzLKSuYKi64QL8Fgc9QAAAIEA9+GghdabPd7LvKtcNrhXuXmUr7v6OuqC+VdMCz0HgmdRWVeOutRZT+ZxBxCBgLRJFnEj6EwoFhO3zwkyjMim4TwWeotUfI0o4KOuHiuzpnWRbqN/C/ohNWLx+2J6ASQ7zKTxvqhRkImog9/hWuWfBpKLZl6Ae1UlZAFMO/7PSSoAAACBAPBXuA1z5u1G7kRxqrcYgC0bhlV1LAz2fXDe6Uy1c7kVEqtORgQMBJd4fP4P3jVrFT2IZu9Bh8eHdPL2KwVwXXwg9C5QfYXoqPmAbbszSWPl7u85Jlx2kqQWWwvpqo5A2GcKvL6yXjbM4Cq8uAvyS2WLW0WmOVQzX9FeW4lyjEGX test';

describe.each(databaseKinds())('SSH keys API on %s', (kind) => {
  let gw: Gateway;
  let call: ReturnType<typeof apiClient>;
  let alice: User, bob: User, admin: User;
  let aliceToken: string, bobToken: string, adminToken: string;

  beforeAll(async () => {
    gw = await startGateway(kind, { ssh: true, env: { GITGATE_EXTERNAL_URL: EXTERNAL } });
    call = apiClient(gw);
    [alice, bob, admin] = await Promise.all([gw.createUser('alice'), gw.createUser('bob'), gw.createUser('admin1', { admin: true })]);
    [aliceToken, bobToken, adminToken] = await Promise.all([alice, bob, admin].map(async (u) => (await gw.createToken(u, ['api'])).token));
  });
  afterAll(() => gw?.stop());

  it("adds the caller's key with GitLab's entity, and lists and gets it", async () => {
    const text = ed25519();
    const created = await call('POST', '/user/keys', { token: aliceToken, json: { title: ' Laptop ', key: `${text}\n` } });
    expect(created.status).toBe(201);
    const body = obj(created);
    expect(Object.keys(body).sort()).toEqual(['created_at', 'expires_at', 'id', 'key', 'last_used_at', 'title', 'usage_type']);
    const [type, data] = text.split(' ');
    expect(body).toMatchObject({
      title: 'Laptop',
      expires_at: null,
      last_used_at: null,
      usage_type: 'auth_and_signing',
      // The uploaded comment (often an email address) is not published.
      key: `${type} ${data} alice (git.example.test)`,
    });

    const listed = await call('GET', '/user/keys', { token: aliceToken });
    expect(list(listed).map((k) => k.id)).toEqual([body.id]);
    expect(listed.headers.get('x-total')).toBe('1');
    expect(obj(await call('GET', `/user/keys/${body.id}`, { token: aliceToken }))).toEqual(body);
    // Public keys are public, as in GitLab.
    expect(list(await call('GET', `/users/${alice.id}/keys`, { token: bobToken })).map((k) => k.id)).toEqual([body.id]);
  });

  it.each([
    [{ key: ed25519() }, { error: 'title is missing' }],
    [{ title: 'x' }, { error: 'key is missing' }],
    [{ title: 'x', key: 'not a key' }, { message: { key: ['is invalid'] } }],
    [{ title: 'x', key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA==' }, { message: { key: ['is invalid'] } }],
    [{ title: 'x', key: DSA }, { message: { key: ['type is forbidden. Must be RSA, ECDSA, or ED25519'] } }],
    [{ title: 'x', key: ed25519(), expires_at: '2001-01-01T00:00:00Z' }, { message: { key: ['has expired'] } }],
    [{ title: 'x', key: ed25519(), usage_type: 'everything' }, { error: 'usage_type does not have a valid value' }],
    [{ title: 'x'.repeat(256), key: ed25519() }, { message: { title: ['is too long (maximum is 255 characters)'] } }],
  ])('answers %j with GitLab\'s 400 %j', async (json, error) => {
    const res = await call('POST', '/user/keys', { token: aliceToken, json });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(error);
  });

  it('refuses RSA keys under 2048 bits', async () => {
    const weak = ssh2.utils.generateKeyPairSync('rsa', { bits: 1024 }).public;
    const res = await call('POST', '/user/keys', { token: aliceToken, json: { title: 'old', key: weak } });
    expect(res.body).toEqual({ message: { key: ['must be at least 2048 bits'] } });
  });

  it('refuses a key already registered, to anyone', async () => {
    const text = ed25519();
    expect((await call('POST', '/user/keys', { token: aliceToken, json: { title: 'a', key: text } })).status).toBe(201);
    for (const [path, token] of [['/user/keys', aliceToken], [`/users/${bob.id}/keys`, adminToken]] as const) {
      const res = await call('POST', path, { token, json: { title: 'again', key: text.replace('alice@laptop', 'other comment') } });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ message: { fingerprint_sha256: ['has already been taken'] } });
    }
  });

  it('lets administrators add and delete keys of others, and nobody else', async () => {
    const forBob = { title: 'ci', key: ed25519('ci'), expires_at: '2099-12-31' };
    expect((await call('POST', `/users/${bob.id}/keys`, { token: aliceToken, json: forBob })).body).toEqual({ message: '403 Forbidden' });
    const added = await call('POST', `/users/${bob.id}/keys`, { token: adminToken, json: forBob });
    expect(added.status).toBe(201);
    expect(obj(added).expires_at).toBe('2099-12-31T00:00:00.000Z');
    const id = obj(added).id as number;

    expect((await call('DELETE', `/user/keys/${id}`, { token: aliceToken })).body).toEqual({ message: '404 Key Not Found' });
    expect((await call('DELETE', `/users/${bob.id}/keys/${id}`, { token: aliceToken })).status).toBe(403);
    expect((await call('GET', `/users/${alice.id}/keys/${id}`, { token: bobToken })).status).toBe(404);
    expect((await call('DELETE', `/users/${bob.id}/keys/${id}`, { token: adminToken })).status).toBe(204);
    expect((await call('DELETE', `/users/${bob.id}/keys/${id}`, { token: adminToken })).body).toEqual({ message: '404 Key Not Found' });
    expect((await call('POST', '/users/99999/keys', { token: adminToken, json: forBob })).body).toEqual({ message: '404 User Not Found' });
  });

  it('needs read_user to read and api to write', async () => {
    const { token } = await gw.createToken(alice, ['read_user']);
    expect((await call('GET', '/user/keys', { token })).status).toBe(200);
    const res = await call('POST', '/user/keys', { token, json: { title: 'x', key: ed25519() } });
    expect(res.status).toBe(403);
    expect(obj(res)).toMatchObject({ error: 'insufficient_scope', scope: 'api' });
    expect((await call('GET', '/user/keys')).status).toBe(401);
  });

  it('a key added through the API signs in over SSH at once, and stops when deleted', async () => {
    const key = await generateKey();
    const added = obj(await call('POST', '/user/keys', { token: bobToken, json: { title: 'new', key: key.publicKey } }));
    const signedIn = await ssh(gw.sshPort!, { key }, 'bob', ['ls']);
    expect(signedIn.stderr).toContain('ERROR: Unknown command: ls');
    expect(obj(await call('GET', `/user/keys/${added.id}`, { token: bobToken })).last_used_at).not.toBeNull();
    await call('DELETE', `/user/keys/${added.id}`, { token: bobToken });
    const refused = await ssh(gw.sshPort!, { key }, 'bob', ['ls']);
    expect(refused.code).toBe(255);
    expect(refused.stderr).toMatch(/Permission denied/);
  });

  it('`gitgate key add|list|remove` manage keys from the command line', async () => {
    const env = { ...process.env, ...gw.env };
    const cli = (...args: string[]) => exec(BIN, args, { env });
    const text = ed25519('cli');
    const { stdout } = await cli('key', 'add', '--user', 'bob', '--title', 'from cli', '--key', text, '--expires-at', '2099-01-01');
    const id = /^id: (\d+)$/m.exec(stdout)![1]!;
    expect(stdout).toMatch(/^fingerprint: SHA256:[A-Za-z0-9+/]{43}$/m);
    expect((await cli('key', 'list', '--user', 'bob')).stdout).toContain(`${id}\tfrom cli\tSHA256:`);
    await expect(cli('key', 'add', '--user', 'bob', '--title', 'dup', '--key', text)).rejects.toMatchObject({
      code: 2,
      stderr: 'gitgate: fingerprint_sha256 has already been taken\n',
    });
    await expect(cli('key', 'add', '--user', 'bob', '--title', 'bad', '--key', 'ssh-rsa AAAA')).rejects.toMatchObject({
      code: 2,
      stderr: 'gitgate: key is invalid\n',
    });
    expect((await cli('key', 'remove', id)).stdout).toBe(`Removed key ${id}\n`);
    expect((await cli('key', 'list', '--user', 'bob')).stdout).not.toContain('from cli');
    // Six command-line runs, each a node start compiling the sources through tsx: under the full
    // suite on two cores that took longer than the 30 s default once. A guard against a hang, not a timing.
  }, 120_000);
});
