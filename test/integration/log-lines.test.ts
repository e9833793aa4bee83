/**
 * The log of a running gateway, line by line: no line holds a key twice
 * (parsers would read one of them at random), and every error logged while
 * serving a request names it — `requestId`, the X-Request-Id the client got,
 * over HTTP; `sshConnectionId` over SSH.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQLITE_FILE } from '../../src/setup/private-data.js';
import type { Project } from '../../src/projects/project.js';
import type { User } from '../../src/users/user.js';
import { duplicateKeys } from '../support/duplicate-keys.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { authUrl, git, gitOk, tempDir } from '../support/git-cli.js';
import { generateKey, gitSsh, sshToolsInstalled, sshUrl } from '../ssh/ssh-client.js';

const ADMIN = { id: 0, username: '(test)', isAdmin: true };
type Line = Record<string, unknown>;

function basic(user: string, secret: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}` };
}

describe('log lines of a running gateway', () => {
  const withSsh = sshToolsInstalled();
  let gw: Gateway;
  let alice: User;
  let project: Project;
  let aliceToken: string;
  let bobToken: string;
  /** Created before the fault and never used: nothing has cached it. */
  let unusedToken: string;

  beforeAll(async () => {
    gw = await startGateway('sqlite', { ssh: withSsh });
    alice = await gw.createUser('alice');
    const bob = await gw.createUser('bob');
    project = await gw.createProject(alice, 'site');
    await gw.seedCommit(project);
    await gw.addMember(project, bob, 'reporter');
    aliceToken = (await gw.createToken(alice, ['api', 'write_repository', 'read_registry'])).token;
    bobToken = (await gw.createToken(bob, ['write_repository'])).token;
    unusedToken = (await gw.createToken(alice, ['api', 'write_repository', 'read_registry'], { name: 'unused' })).token;
  });
  afterAll(() => gw?.stop());

  const lines = (): Line[] => gw.logs.map((l) => JSON.parse(l) as Line);

  it('writes no key twice on any line, whatever the surface', async () => {
    const dir = tempDir();
    await gitOk(['clone', '-q', authUrl(gw.url, 'alice/site.git', 'alice', aliceToken), dir]);
    await gitOk(['-C', dir, 'commit', '-q', '--allow-empty', '-m', 'logged']);
    await gitOk(['-C', dir, 'push', '-q', 'origin', 'HEAD:refs/heads/logged']);
    const refused = await git(['-C', dir, 'push', authUrl(gw.url, 'alice/site.git', 'bob', bobToken), 'HEAD:refs/heads/refused']);
    expect(refused.code).not.toBe(0);
    expect((await fetch(`${gw.url}/api/v4/user`, { headers: { 'private-token': aliceToken } })).status).toBe(200);
    expect((await fetch(`${gw.url}/users/sign_in`)).status).toBe(200);
    const registry = await fetch(`${gw.url}/jwt/auth?service=container_registry&scope=repository:alice/site:pull`, { headers: basic('ci', aliceToken) });
    expect(registry.status).toBe(200);
    expect((await fetch(`${gw.url}/-/metrics`)).status).toBe(200);
    expect((await fetch(`${gw.url}/no/such/page`)).status).toBe(404);
    if (withSsh) {
      const key = await generateKey('ed25519');
      await gw.system.sshKeys.add(ADMIN, alice.id, { title: 'laptop', key: key.publicKey });
      const cloned = await gitSsh(gw.sshPort!, { key }, ['clone', '-q', sshUrl(gw.sshPort!, 'alice', 'alice/site.git'), tempDir()]);
      expect(cloned.code, cloned.stderr).toBe(0);
    }

    const messages = new Set(lines().map((l) => l.msg));
    for (const msg of ['request', 'git finished', 'registry token issued', ...(withSsh ? ['ssh git command'] : [])]) expect(messages).toContain(msg);
    for (const line of gw.logs) expect(duplicateKeys(line), line).toEqual([]);
    for (const line of lines()) expect(line.service).toBe('gitgate');
    const gitLines = lines().filter((l) => l.msg === 'git finished' || l.msg === 'ssh git command');
    expect(gitLines.map((l) => l.gitService)).toContain('git-upload-pack');
  });

  it('names the request (or SSH connection) on every error it logs', async () => {
    const db = new Database(path.join(gw.dataDir, SQLITE_FILE));
    // A schema the code does not expect: every query of these tables fails as a bug would, not as an outage.
    db.exec('ALTER TABLE personal_access_tokens RENAME TO personal_access_tokens_gone');
    db.exec('ALTER TABLE web_sessions RENAME TO web_sessions_gone');
    db.close();
    const before = gw.logs.length;

    const answers = [
      await fetch(`${gw.url}/alice/site.git/info/refs?service=git-upload-pack`, { headers: basic('ci', unusedToken) }),
      await fetch(`${gw.url}/api/v4/user`, { headers: { 'private-token': unusedToken } }),
      await fetch(`${gw.url}/jwt/auth?service=container_registry&scope=repository:alice/site:pull`, { headers: basic('ci', unusedToken) }),
      await fetch(`${gw.url}/-/user_settings/personal_access_tokens`, { headers: { cookie: `gitgate_session=${'a'.repeat(43)}` } }),
    ];
    expect(answers.map((a) => a.status)).toEqual([500, 500, 500, 500]);
    if (withSsh) {
      const r = await gitSsh(gw.sshPort!, { secret: unusedToken }, ['ls-remote', sshUrl(gw.sshPort!, 'alice', 'alice/site.git')]);
      expect(r.code).not.toBe(0);
    }

    const errors = lines().slice(before).filter((l) => (l.level as number) >= 50);
    const byMessage = (msg: string): Line[] => errors.filter((l) => l.msg === msg);
    const expected = ['git authorization failed', 'API request failed', 'registry token request failed', 'web request failed'];
    expected.forEach((msg, i) => {
      expect(byMessage(msg).map((l) => l.requestId), msg).toEqual([answers[i]!.headers.get('x-request-id')]);
    });
    if (withSsh) {
      const ssh = byMessage('ssh authentication failed');
      expect(ssh.length).toBeGreaterThan(0);
      for (const line of ssh) expect(line.sshConnectionId).toMatch(/^[0-9a-f-]{36}$/);
    }
    for (const line of errors) expect(line.requestId ?? line.sshConnectionId, JSON.stringify(line)).toBeTruthy();
    for (const line of gw.logs) expect(duplicateKeys(line), line).toEqual([]);
    expect(gw.logs.join('\n')).not.toContain(unusedToken);
  });
});
