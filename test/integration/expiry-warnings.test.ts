/**
 * Expiry warnings in git's own output (issue 17): a token that expires
 * within GITGATE_TOKEN_EXPIRY_WARNING_DAYS makes git print
 * `remote: warning: personal access token "…" expires on …` on a clone,
 * fetch or push over HTTP and SSH, protocol v0 and v2, also when the clone
 * is answered from the fetch cache — and only for that token: the same
 * kept answer reaches other clients without it. dulwich and libgit2
 * (pygit2) take it as progress text and go on.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, utcDate } from '../../src/lib/dates.js';
import type { Project } from '../../src/projects/project.js';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { authUrl, git, gitOk, tempDir } from '../support/git-cli.js';
import { missingTools } from '../support/required-tools.js';
import { runProcess } from '../support/run-process.js';
import { gitSsh, sshToolsInstalled, sshUrl } from '../ssh/ssh-client.js';

const PYTHON = '/usr/bin/python3';
const CLIENTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'git-clients.py');
const pythonClients =
  spawnSync(PYTHON, ['-c', 'import dulwich, pygit2'], { stdio: 'ignore' }).status === 0 ||
  missingTools('the dulwich and pygit2 expiry-warning tests', 'dulwich and pygit2 for /usr/bin/python3', 'python3-dulwich python3-pygit2');

describe.each(databaseKinds())('expiry warnings in git output on %s', (kind) => {
  let gw: Gateway;
  let alice: User;
  let repo: Project;
  let expiring: string, lasting: string, expiry: string;
  const warning = () => new RegExp(`remote: warning: personal access token "ci" expires on ${expiry} \\(in 3 days\\); create a new one at http://\\S+/-/user_settings/personal_access_tokens`);

  beforeAll(async () => {
    gw = await startGateway(kind, { ssh: sshToolsInstalled() });
    alice = await gw.createUser('alice');
    repo = await gw.createProject(alice, 'app');
    await gw.seedCommit(repo);
    expiry = addDays(utcDate(gw.clock.now()), 3);
    expiring = (await gw.createToken(alice, ['write_repository'], { name: 'ci', expiresAt: expiry })).token;
    lasting = (await gw.createToken(alice, ['write_repository'], { name: 'later', expiresAt: addDays(expiry, 30) })).token;
    // Ref states newer than 2 s are never kept: let the seed settle so clones go through the fetch cache.
    await new Promise((resolve) => setTimeout(resolve, 2100));
  });
  afterAll(() => gw?.stop());

  const url = (secret: string) => authUrl(gw.url, 'alice/app.git', 'alice', secret);
  const hits = async () => Number(/^gitgate_fetch_cache_events_total\{event="hits"\} (\d+)$/m.exec(await (await fetch(`${gw.url}/-/metrics`)).text())?.[1] ?? 0);

  it.each(['0', '2'])('a clone and a push over HTTP, protocol v%s, show the warning and succeed', async (v) => {
    const dir = tempDir();
    const clone = await git(['-c', `protocol.version=${v}`, 'clone', url(expiring), dir]);
    expect(clone.code, clone.stderr).toBe(0);
    expect(clone.stderr).toMatch(warning());
    await gitOk(['-C', dir, 'commit', '-q', '--allow-empty', '-m', `v${v}`]);
    const push = await git(['-c', `protocol.version=${v}`, '-C', dir, 'push', 'origin', `HEAD:refs/heads/http-v${v}`]);
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toMatch(warning());
    const fetched = await git(['-c', `protocol.version=${v}`, '-C', dir, 'fetch', 'origin', 'refs/heads/main:refs/remotes/origin/again', '--depth=1']);
    expect(fetched.code, fetched.stderr).toBe(0);
  });

  it('a quiet clone still shows it (git prints side-band messages whatever its progress setting)', async () => {
    const clone = await git(['clone', '-q', '--bare', url(expiring), tempDir()]);
    expect(clone.code).toBe(0);
    expect(clone.stderr).toMatch(warning());
  });

  it.each(['0', '2'])('a kept clone answer (protocol v%s) carries it only for the expiring token', async (v) => {
    const clone = (secret: string) => git(['-c', `protocol.version=${v}`, 'clone', '--bare', url(secret), tempDir()]);
    // The pushes above moved refs: answers are kept only for ref states older than 2 s.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const first = await clone(lasting);
    expect(first.code).toBe(0);
    expect(first.stderr).not.toContain('warning: personal access token');
    const before = await hits();
    const warned = await clone(expiring);
    expect(warned.stderr).toMatch(warning());
    const plain = await clone(lasting);
    expect(plain.stderr).not.toContain('warning: personal access token');
    expect(await hits()).toBe(before + 2);
    for (const r of [warned, plain]) expect(r.code).toBe(0);
  });

  it('no warning for a token expiring later than the window, nor for a password', async () => {
    const r = await git(['clone', '--bare', url(lasting), tempDir()]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/warning:/);
  });

  describe.runIf(sshToolsInstalled())('over SSH (the token as the password)', () => {
    it.each(['0', '2'])('clone and push over protocol v%s show it', async (v) => {
      const auth = { secret: expiring, method: 'password' as const };
      const remote = sshUrl(gw.sshPort!, 'alice', 'alice/app.git');
      const dir = tempDir();
      const clone = await gitSsh(gw.sshPort!, auth, ['-c', `protocol.version=${v}`, 'clone', remote, dir]);
      expect(clone.code, clone.stderr).toBe(0);
      expect(clone.stderr).toMatch(warning());
      await gitOk(['-C', dir, 'commit', '-q', '--allow-empty', '-m', `ssh v${v}`]);
      const push = await gitSsh(gw.sshPort!, auth, ['-c', `protocol.version=${v}`, '-C', dir, 'push', 'origin', `HEAD:refs/heads/ssh-v${v}`]);
      expect(push.code, push.stderr).toBe(0);
      expect(push.stderr).toMatch(warning());
    });

    it.each(['0', '2'])('a kept clone answer over SSH (protocol v%s) carries it only for the expiring token', async (v) => {
      const remote = sshUrl(gw.sshPort!, 'alice', 'alice/app.git');
      const clone = (secret: string) => gitSsh(gw.sshPort!, { secret, method: 'password' }, ['-c', `protocol.version=${v}`, 'clone', '--bare', remote, tempDir()]);
      await new Promise((resolve) => setTimeout(resolve, 2100));
      expect((await clone(lasting)).code).toBe(0);
      const before = await hits();
      const warned = await clone(expiring);
      const plain = await clone(lasting);
      expect(warned.stderr).toMatch(warning());
      expect(plain.stderr).not.toContain('warning: personal access token');
      for (const r of [warned, plain]) expect(r.code).toBe(0);
      expect(await hits()).toBe(before + 2);
    });
  });

  describe.runIf(pythonClients)('dulwich and libgit2 (they speak protocol v0 only)', () => {
    const run = async (client: string, action: string, dir: string) => {
      const r = await runProcess(PYTHON, [CLIENTS, client, action, `${gw.url}/alice/app.git`, 'alice', expiring, dir]);
      return JSON.parse(r.stdout) as { ok: boolean; progress: string; error?: string };
    };

    it.each(['dulwich', 'pygit2'])('%s clones and pushes, and receives the warning as progress text', async (client) => {
      const dir = tempDir();
      const clone = await run(client, 'clone', dir);
      expect(clone, clone.error).toMatchObject({ ok: true });
      expect(clone.progress).toContain(`warning: personal access token "ci" expires on ${expiry} (in 3 days)`);
      const push = await run(client, 'push', dir);
      expect(push, push.error).toMatchObject({ ok: true });
      expect(push.progress).toContain(`warning: personal access token "ci" expires on ${expiry}`);
    });
  });
});
