/**
 * git-upload-pack over SSH from the caches the HTTP edge uses, with the real
 * OpenSSH client and git: repeated ls-remotes and clones run no git, every
 * answer is the repository as it is (a push is in the very next ls-remote
 * and fetch), negotiation and v0 deepening go to a live git, and a kept
 * answer reaches nobody the command was not authorized for.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_NOT_FOUND } from '../../src/git/git-messages.js';
import type { Project } from '../../src/projects/project.js';
import type { User } from '../../src/users/user.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { authUrl, gitOk, tempDir } from '../support/git-cli.js';
import { generateKey, gitSsh, spawnSsh, sshToolsInstalled, sshUrl, type ClientKey } from './ssh-client.js';

const ADMIN = { id: 0, username: '(test)', isAdmin: true };

/** Lets the last ref change age past the caches' settle margin (2 s of ctime). */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 2100));
}

describe.runIf(sshToolsInstalled())('git over SSH from the upload-pack caches', () => {
  let gw: Gateway;
  let port: number;
  let project: Project;
  let carol: User, bob: User, mallory: User;
  const keys: Record<string, ClientKey> = {};

  beforeAll(async () => {
    gw = await startGateway('sqlite', { ssh: true });
    port = gw.sshPort!;
    const alice = await gw.createUser('alice');
    [carol, bob, mallory] = (await Promise.all(['carol', 'bob', 'mallory'].map((name) => gw.createUser(name)))) as [User, User, User];
    project = await gw.createProject(alice, 'kept');
    await gw.seedCommit(project);
    const repo = gw.repoPath(project);
    const work = tempDir();
    await gitOk(['clone', '-q', repo, work]);
    fs.writeFileSync(`${work}/second.txt`, 'two\n');
    await gitOk(['-C', work, 'add', 'second.txt']);
    await gitOk(['-C', work, 'commit', '-q', '-m', 'second']);
    await gitOk(['-C', work, 'push', '-q', 'origin', 'HEAD:main']);
    await gitOk(['--git-dir', repo, 'branch', 'side', 'main~1']);
    await gitOk(['--git-dir', repo, 'tag', '-a', '-m', 'v1', 'v1', 'main']);
    await gw.addMember(project, carol, 'developer');
    await gw.addMember(project, bob, 'reporter');
    for (const user of [carol, bob, mallory]) {
      keys[user.username] = await generateKey();
      await gw.system.sshKeys.add(ADMIN, user.id, { title: 'laptop', key: keys[user.username]!.publicKey });
    }
    await settle();
  });
  afterAll(() => gw?.stop());

  const url = (user: string) => sshUrl(port, user, 'alice/kept.git');
  const as = (user: string, version: string, args: string[], env?: Record<string, string>) =>
    gitSsh(port, { key: keys[user]! }, ['-c', `protocol.version=${version}`, ...args], { env });
  const answers = () => gw.server.caches.answers.stats;
  const fetches = () => gw.server.caches.fetches!.stats;
  const lsRemote = async (version: string, extra: string[] = []): Promise<string> => {
    const r = await as('carol', version, ['ls-remote', url('carol'), ...extra]);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.trim();
  };
  const serverRefs = () => gitOk(['--git-dir', gw.repoPath(project), 'for-each-ref', '--format=%(objectname) %(refname)']);

  it.each(['0', '1', '2'])('answers ls-remote over protocol v%s with git\'s listing, repeats without running git', async (version) => {
    const expected = (await gitOk(['ls-remote', gw.repoPath(project)])).trim();
    const first = await as('carol', version, ['ls-remote', url('carol')], { GIT_TRACE_PACKET: '1' });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim()).toBe(expected);
    expect(first.stderr.includes('< version 2')).toBe(version === '2');
    const before = answers();
    for (let i = 0; i < 3; i++) expect(await lsRemote(version)).toBe(expected);
    const after = answers();
    expect(after.fills).toBe(before.fills);
    // v0: the advertisement; v2: the capabilities and the ls-refs answer.
    expect(after.hits - before.hits).toBe(version === '2' ? 6 : 3);
  });

  it.each(['0', '1', '2'])('answers a repeated bare clone over protocol v%s from the fetch cache, whole', async (version) => {
    const clone = async (): Promise<string> => {
      const dir = tempDir();
      const r = await as('carol', version, ['clone', '--bare', '-q', url('carol'), dir]);
      expect(r.code, r.stderr).toBe(0);
      await gitOk(['--git-dir', dir, 'fsck', '--no-progress']);
      return gitOk(['--git-dir', dir, 'for-each-ref', '--format=%(objectname) %(refname)']);
    };
    expect(await clone()).toBe(await serverRefs());
    const before = fetches();
    expect(await clone()).toBe(await serverRefs());
    const after = fetches();
    expect(after.hits - before.hits).toBe(1);
    expect(after.runs).toBe(before.runs);
  });

  it('clones shallow: protocol v2 from the fetch cache, v0 (which deepens before "done") through a live git', async () => {
    for (const version of ['2', '0', '2', '0']) {
      const before = fetches();
      const dir = tempDir();
      const r = await as('carol', version, ['clone', '-q', '--depth', '1', url('carol'), dir]);
      expect(r.code, r.stderr).toBe(0);
      expect((await gitOk(['-C', dir, 'rev-list', '--count', 'HEAD'])).trim()).toBe('1');
      expect(fs.readFileSync(`${dir}/second.txt`, 'utf8')).toBe('two\n');
      if (version === '0') expect(fetches()).toEqual(before);
    }
    expect(fetches().hits).toBeGreaterThan(0);
  });

  it.each(['0', '2'])('shows every push in the next ls-remote and fetch over protocol v%s', async (version) => {
    const pusher = tempDir();
    const follower = tempDir();
    expect((await as('carol', version, ['clone', '-q', url('carol'), pusher])).code).toBe(0);
    expect((await as('carol', version, ['clone', '-q', url('carol'), follower])).code).toBe(0);
    for (let i = 0; i < 3; i++) {
      await gitOk(['-C', pusher, 'commit', '-q', '--allow-empty', '-m', `v${version} push ${i}`]);
      const head = (await gitOk(['-C', pusher, 'rev-parse', 'HEAD'])).trim();
      const push = await as('carol', version, ['-C', pusher, 'push', '-q', 'origin', 'HEAD:main']);
      expect(push.code, push.stderr).toBe(0);
      expect(await lsRemote(version, ['refs/heads/main'])).toBe(`${head}\trefs/heads/main`);
      // A fetch with something in common negotiates: a live git answers it.
      const fetch = await as('carol', version, ['-C', follower, 'fetch', '-q', 'origin']);
      expect(fetch.code, fetch.stderr).toBe(0);
      expect((await gitOk(['-C', follower, 'rev-parse', 'origin/main'])).trim()).toBe(head);
    }
  });

  it('shares kept answers with the HTTP edge: a v2 ls-remote over SSH, then over HTTP, runs git once', async () => {
    await settle();
    const { token } = await gw.createToken(carol, ['read_repository']);
    const before = answers();
    const overSsh = await lsRemote('2');
    const afterSsh = answers();
    const overHttp = await gitOk(['-c', 'protocol.version=2', 'ls-remote', authUrl(gw.url, 'alice/kept.git', 'carol', token)]);
    expect(overHttp.trim()).toBe(overSsh);
    const afterHttp = answers();
    expect(afterSsh.fills - before.fills).toBeLessThanOrEqual(2);
    expect(afterHttp.fills).toBe(afterSsh.fills);
    expect(afterHttp.hits - afterSsh.hits).toBe(2);
  });

  it.each(['0', '2'])('clones an empty repository over protocol v%s', async (version) => {
    const owner = await gw.createUser(`owner${version}`);
    const empty = await gw.createProject(owner, 'empty');
    await gw.addMember(empty, carol, 'developer');
    const dir = tempDir();
    const r = await as('carol', version, ['clone', sshUrl(port, 'carol', `owner${version}/empty.git`), dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('empty repository');
  });

  it('authorizes first: a kept answer reaches every member, and nobody else', async () => {
    await settle();
    expect((await as('carol', '2', ['ls-remote', url('carol')])).code).toBe(0);
    expect((await as('carol', '2', ['clone', '--bare', '-q', url('carol'), tempDir()])).code).toBe(0);
    const before = { answers: answers(), fetches: fetches() };
    for (const version of ['0', '2']) {
      const listed = await as('mallory', version, ['ls-remote', url('mallory')]);
      expect(listed.code).not.toBe(0);
      expect(listed.stderr).toContain(PROJECT_NOT_FOUND);
      expect(listed.stdout).toBe('');
      const cloned = await as('mallory', version, ['clone', '--bare', '-q', url('mallory'), tempDir()]);
      expect(cloned.code).not.toBe(0);
      expect(cloned.stderr).toContain(PROJECT_NOT_FOUND);
    }
    expect(answers()).toEqual(before.answers);
    expect(fetches()).toEqual(before.fetches);
    const dir = tempDir();
    const reporter = await as('bob', '2', ['clone', '--bare', '-q', url('bob'), dir]);
    expect(reporter.code, reporter.stderr).toBe(0);
    expect(await gitOk(['--git-dir', dir, 'for-each-ref', '--format=%(objectname) %(refname)'])).toBe(await serverRefs());
    expect(fetches().hits - before.fetches.hits).toBe(1);
  });
});

describe.runIf(sshToolsInstalled())('a kept-answer SSH conversation at shutdown', () => {
  it('a client that got the advertisement and says nothing is told the server is shutting down', async () => {
    // No grace: the drain stops every operation at once.
    const gw = await startGateway('sqlite', { ssh: true, env: { GITGATE_SHUTDOWN_GRACE_SECONDS: '0' } });
    const alice = await gw.createUser('alice');
    await gw.seedCommit(await gw.createProject(alice, 'demo'));
    const key = await generateKey();
    await gw.system.sshKeys.add(ADMIN, alice.id, { title: 'k', key: key.publicKey });
    const client = spawnSsh(gw.sshPort!, { key }, 'alice', "git-upload-pack 'alice/demo.git'");
    let stderr = '';
    client.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      client.stdout!.once('data', () => resolve());
      client.once('exit', () => reject(new Error('ssh ended before the advertisement')));
    });
    client.stdout!.resume();
    const exit = new Promise<number | null>((resolve) => client.once('exit', (code) => resolve(code)));
    await gw.stop();
    expect(await exit).toBe(1);
    expect(stderr).toContain('ERROR: The server is unavailable or shutting down; try again later.');
  });
});

describe.runIf(sshToolsInstalled())('SSH upload-pack with the fetch cache off', () => {
  it('clones through a live git after the advertisement, v0 and v2', async () => {
    const gw = await startGateway('sqlite', { ssh: true, env: { GITGATE_FETCH_CACHE_MAX_BYTES: '0' } });
    try {
      const alice = await gw.createUser('alice');
      await gw.seedCommit(await gw.createProject(alice, 'demo'));
      const key = await generateKey();
      await gw.system.sshKeys.add(ADMIN, alice.id, { title: 'k', key: key.publicKey });
      expect(gw.server.caches.fetches).toBeNull();
      for (const version of ['0', '2']) {
        const dir = tempDir();
        const r = await gitSsh(gw.sshPort!, { key }, ['-c', `protocol.version=${version}`, 'clone', '-q', sshUrl(gw.sshPort!, 'alice', 'alice/demo.git'), dir]);
        expect(r.code, r.stderr).toBe(0);
        expect(fs.readFileSync(`${dir}/README.md`, 'utf8')).toBe('# demo\n');
      }
    } finally {
      await gw.stop();
    }
  });
});
