/**
 * What tools read from a project to clone it: `ssh_url_to_repo` (the shared
 * SSH user, cloned with a key straight from the API's answer),
 * `http_url_to_repo`, and `default_branch` from the repository's HEAD —
 * present only for callers who may read the code, as in GitLab.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessLevel } from '../../src/identity/access-level.js';
import type { Project } from '../../src/projects/project.js';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { gitOk, tempDir } from '../support/git-cli.js';
import { generateKey, gitSsh, sshToolsInstalled } from '../ssh/ssh-client.js';
import { apiClient, list, obj } from './api-client.js';

const ADMIN = { id: 0, username: '(test)', isAdmin: true };

describe.runIf(sshToolsInstalled()).each(databaseKinds())('clone URLs and default branch on %s', (kind) => {
  let gw: Gateway;
  let call: ReturnType<typeof apiClient>;
  let alice: User, guest: User, reporter: User;
  let secret: Project, open: Project;
  const token: Record<string, string> = {};

  beforeAll(async () => {
    gw = await startGateway(kind, { ssh: true, env: { GITGATE_EXTERNAL_URL: 'http://127.0.0.1:8080' } });
    call = apiClient(gw);
    [alice, guest, reporter] = await Promise.all(['alice', 'gus', 'rita'].map((n) => gw.createUser(n))) as [User, User, User];
    secret = await gw.createProject(alice, 'secret');
    open = await gw.createProject(alice, 'open', 'public');
    await gw.seedCommit(secret);
    await gw.addMember(secret, guest, 'guest');
    await gw.addMember(secret, reporter, 'reporter');
    for (const u of [alice, guest, reporter]) token[u.username] = (await gw.createToken(u, ['read_api'])).token;
  });
  afterAll(() => gw?.stop());

  const get = async (who: string | null, project: Project) =>
    obj(await call('GET', `/projects/${project.id}`, who ? { token: token[who] } : {}));

  it('gives the SSH URL of the shared user on the external host and the SSH port, and the HTTP URL', async () => {
    const body = await get('alice', secret);
    expect(body.ssh_url_to_repo).toBe(`ssh://git@127.0.0.1:${gw.sshPort}/alice/secret.git`);
    expect(body.http_url_to_repo).toBe('http://127.0.0.1:8080/alice/secret.git');
    expect(body.web_url).toBe('http://127.0.0.1:8080/alice/secret');
  });

  it('is an SSH URL git clones with a registered key', async () => {
    const key = await generateKey('ed25519');
    await gw.system.sshKeys.add(ADMIN, reporter.id, { title: 'laptop', key: key.publicKey });
    const url = (await get('rita', secret)).ssh_url_to_repo as string;
    const dir = tempDir();
    const r = await gitSsh(gw.sshPort!, { key }, ['clone', url, dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(await gitOk(['-C', dir, 'log', '--format=%s'])).toBe('seed README.md\n');
  });

  it("names HEAD's branch: main before the first push (as GitLab answers for an empty project), then what HEAD names", async () => {
    expect((await get('alice', open)).default_branch).toBe('main');
    const repo = gw.repoPath(secret);
    await gitOk(['--git-dir', repo, 'branch', 'develop', 'main']);
    await gitOk(['--git-dir', repo, 'symbolic-ref', 'HEAD', 'refs/heads/develop']);
    try {
      expect((await get('alice', secret)).default_branch).toBe('develop');
      const listed = list(await call('GET', '/projects', { token: token.alice }));
      expect(Object.fromEntries(listed.map((p) => [p.path, p.default_branch]))).toEqual({ secret: 'develop', open: 'main' });
    } finally {
      await gitOk(['--git-dir', repo, 'symbolic-ref', 'HEAD', 'refs/heads/main']);
    }
  });

  it('is null when HEAD is detached', async () => {
    const repo = gw.repoPath(secret);
    const head = (await gitOk(['--git-dir', repo, 'rev-parse', 'HEAD'])).trim();
    await gitOk(['--git-dir', repo, 'update-ref', '--no-deref', 'HEAD', head]);
    try {
      expect((await get('alice', secret)).default_branch).toBeNull();
    } finally {
      await gitOk(['--git-dir', repo, 'symbolic-ref', 'HEAD', 'refs/heads/main']);
    }
  });

  it('is left out for a caller who may see the project but not read its code (a guest), in lists too', async () => {
    expect(await gw.system.projects.accessLevel(guest, secret)).toBe(AccessLevel.guest);
    expect(await get('gus', secret)).not.toHaveProperty('default_branch');
    expect((await get('rita', secret)).default_branch).toBe('main');
    const listed = list(await call('GET', '/projects', { token: token.gus }));
    const byPath = Object.fromEntries(listed.map((p) => [p.path, p]));
    expect(byPath.secret).not.toHaveProperty('default_branch');
    expect(byPath.open?.default_branch).toBe('main');
    const anonymous = list(await call('GET', '/projects'));
    expect(anonymous.map((p) => [p.path, p.default_branch])).toEqual([['open', 'main']]);
  });
});
