/**
 * What an API call changes is what git sees on its very next request: a
 * revoked, rotated or blocked credential and a removed or demoted member are
 * refused by the real git client right after the API answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Project } from '../../src/projects/project.js';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { authUrl, git, gitOk, tempDir } from '../support/git-cli.js';
import { apiClient, obj } from './api-client.js';

describe.each(databaseKinds())('API changes seen by git on %s', (kind) => {
  let gw: Gateway;
  let call: ReturnType<typeof apiClient>;
  let alice: User, bob: User, admin: User;
  let project: Project;
  let aliceApi: string, adminApi: string;

  beforeAll(async () => {
    gw = await startGateway(kind);
    call = apiClient(gw);
    [alice, bob, admin] = await Promise.all([gw.createUser('alice'), gw.createUser('bob'), gw.createUser('admin1', { admin: true })]);
    project = await gw.createProject(alice, 'shared');
    await gw.seedCommit(project);
    aliceApi = (await gw.createToken(alice, ['api'])).token;
    adminApi = (await gw.createToken(admin, ['api'])).token;
  });
  afterAll(() => gw?.stop());

  const url = (secret: string) => authUrl(gw.url, 'alice/shared.git', 'oauth2', secret);
  const lsRemote = (secret: string) => git(['ls-remote', url(secret)]);
  const clone = (secret: string) => git(['clone', '-q', '--bare', url(secret), tempDir()]);
  async function push(secret: string) {
    const dir = tempDir();
    await gitOk(['clone', '-q', gw.repoPath(project), dir]);
    await gitOk(['-C', dir, 'commit', '-q', '--allow-empty', '-m', 'change']);
    return git(['-C', dir, 'push', url(secret), `HEAD:refs/heads/topic-${Date.now()}`]);
  }
  const expectRefused = (r: { code: number | null; stderr: string }, why: RegExp) => {
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(why);
  };

  it('a token revoked through the API is refused by the next clone', async () => {
    const { id, token } = await gw.createToken(alice, ['read_repository']);
    expect((await clone(token)).code).toBe(0);
    expect((await call('DELETE', `/personal_access_tokens/${id}`, { token: aliceApi })).status).toBe(204);
    expectRefused(await clone(token), /Authentication failed|401/);
  });

  it('a token that revoked itself is refused by the next fetch', async () => {
    const { token } = await gw.createToken(alice, ['read_repository']);
    expect((await lsRemote(token)).code).toBe(0);
    expect((await call('DELETE', '/personal_access_tokens/self', { token })).status).toBe(204);
    expectRefused(await lsRemote(token), /Authentication failed|401/);
  });

  it('after a rotation the old token is refused and the new one keeps working', async () => {
    const { id, token } = await gw.createToken(alice, ['write_repository']);
    expect((await push(token)).code).toBe(0);
    const rotated = await call('POST', `/personal_access_tokens/${id}/rotate`, { token: aliceApi });
    const successor = obj(rotated).token as string;
    expect((await push(successor)).code).toBe(0);
    expectRefused(await push(token), /Authentication failed|401/);
    // A stale CI job still holding the old token must not kill the new one
    // (GitLab limits reuse detection to the rotation endpoints).
    expect((await push(successor)).code).toBe(0);
  });

  it('a user blocked through the API is refused at once, and admitted again when unblocked', async () => {
    await gw.addMember(project, bob, 'developer');
    const { token } = await gw.createToken(bob, ['write_repository']);
    expect((await lsRemote(token)).code).toBe(0);
    expect((await call('POST', `/users/${bob.id}/block`, { token: adminApi })).status).toBe(201);
    expectRefused(await lsRemote(token), /Authentication failed|401/);
    expect((await call('POST', `/users/${bob.id}/unblock`, { token: adminApi })).status).toBe(201);
    expect((await lsRemote(token)).code).toBe(0);
    await gw.system.projects.removeMember(admin, project.id, bob.id);
  });

  it('a member demoted through the API cannot push; removed, cannot even see the project', async () => {
    const carol = await gw.createUser('carol');
    const added = await call('POST', `/projects/${project.id}/members`, { token: aliceApi, json: { user_id: carol.id, access_level: 30 } });
    expect(added.status).toBe(201);
    const { token } = await gw.createToken(carol, ['write_repository']);
    expect((await push(token)).code).toBe(0);
    await call('PUT', `/projects/${project.id}/members/${carol.id}`, { token: aliceApi, json: { access_level: 20 } });
    expectRefused(await push(token), /not allowed to push|403/);
    expect((await clone(token)).code).toBe(0);
    expect((await call('DELETE', `/projects/${project.id}/members/${carol.id}`, { token: aliceApi })).status).toBe(204);
    expectRefused(await clone(token), /not found|404/i);
  });

  it('a project deleted through the API is gone for git', async () => {
    const doomed = await gw.createProject(alice, 'doomed');
    await gw.seedCommit(doomed);
    const { token } = await gw.createToken(alice, ['read_repository']);
    expect((await git(['ls-remote', authUrl(gw.url, 'alice/doomed.git', 'x', token)])).code).toBe(0);
    expect((await call('DELETE', '/projects/alice%2Fdoomed', { token: aliceApi })).status).toBe(202);
    expectRefused(await git(['ls-remote', authUrl(gw.url, 'alice/doomed.git', 'x', token)]), /not found|404/i);
  });
});
