/**
 * Three gitgate instances behind nginx (deploy/nginx/gitgate-cluster.conf,
 * round-robin over HTTPS and over SSH), sharing PostgreSQL, Redis and one
 * data directory (see cluster.ts). Everything goes through the balancer,
 * and nginx's access log ($upstream_addr) shows which instance answered:
 * git over HTTP and SSH with each push in the next answer of any instance
 * (through the answer and fetch caches), tokens, web sessions, the account
 * lockout, one-time 2FA codes, the IP ban and registry tokens across
 * instances, an instance SIGKILLed in the middle of a clone and of a push,
 * and a rolling restart under a steady clone load without a failed HTTP
 * clone (SSH connections caught between accept and command are cut).
 *
 * `npm run test:cluster` (vitest.cluster.config.ts); nginx runs with one
 * worker here so that its round-robin order is the order of the requests.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { decodeProtectedHeader, importX509, jwtVerify } from 'jose';
import { authenticator } from 'otplib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Project } from '../../src/projects/project.js';
import type { User } from '../../src/users/user.js';
import { git, gitOk, type GitResult } from '../support/git-cli.js';
import { loopbackRequest, type LoopbackAnswer } from '../support/loopback-request.js';
import { nginxBuild } from '../support/nginx.js';
import { gitSsh, sshToolsInstalled, sshUrl } from '../ssh/ssh-client.js';
import { CONFIG_FILE, startCluster, type Cluster } from './cluster.js';
import { throttledRelay } from './throttled-relay.js';
import { WebClient } from './web-client.js';

const build = nginxBuild('the cluster suite');
const redisUrl = inject('redisUrl');
const PASSWORD = 'cluster-user-password-1';
const MiB = 1024 * 1024;

it('README shows deploy/nginx/gitgate-cluster.conf verbatim', () => {
  expect(fs.readFileSync('README.md', 'utf8')).toContain(`\`\`\`nginx\n${fs.readFileSync(CONFIG_FILE, 'utf8')}\`\`\`\n`);
});

describe.runIf(build && build.stream !== 'absent' && redisUrl && sshToolsInstalled())('three instances behind nginx', () => {
  let c: Cluster;
  let alice: User;
  let token: string;
  let rootToken: string;
  let work: string;
  const admin = { id: 0, username: '(test)', isAdmin: true };

  const scratch = (): string => fs.mkdtempSync(path.join(c.dir, 'git-'));
  const viaBalancer = (args: string[], env: Record<string, string> = {}): Promise<GitResult> =>
    git(args, { env: { GIT_SSL_CAINFO: c.cert.certificatePath, ...env } });
  const httpUrl = (repo: string, secret = token, user = 'alice'): string => {
    const u = new URL(`${c.url}/${repo}`);
    u.username = user;
    u.password = encodeURIComponent(secret);
    return u.toString();
  };
  const overSsh = (args: string[], secret = token) => gitSsh(c.sshPort, { secret }, args);
  const https = (p: string, options: Parameters<typeof loopbackRequest>[1] = {}): Promise<LoopbackAnswer> =>
    loopbackRequest(`${c.url}${p}`, { ca: c.cert.certificatePem, ...options });
  /** The instances ($upstream_addr, the last one tried) of the access log lines after `seen`. */
  const upstreamsSince = (seen: number): string[] => c.accessLog().slice(seen).map((line) => line.split(' ').at(-1)!.split(', ').at(-1)!);
  const everyInstance = (): string[] => c.instances.map((i) => i.upstream).sort();
  const distinct = (list: string[]): string[] => [...new Set(list)].sort();
  const createToken = async (user: User, scopes: string[]): Promise<{ id: number; token: string }> => {
    const issued = await c.admin.tokens.create(admin, user.id, { name: 'cluster', scopes, expiresAt: null });
    return { id: issued.token.id, token: issued.plaintext };
  };
  const bareRepo = (project: Project): string => path.join(c.env.GITGATE_DATA_DIR!, 'repos', project.namespace, `${project.path}.git`);
  const head = async (repo: string, ref = 'main'): Promise<string> => (await gitOk(['--git-dir', repo, 'rev-parse', ref])).trim();
  /**
   * The instance that has been running a git operation for a while (five
   * polls of its own metrics in a row, 100 ms apart: the pack transfer, not
   * the short ref advertisement before it, which another instance may
   * answer), or null after `timeoutMs`.
   */
  const busyInstance = async (timeoutMs: number): Promise<number | null> => {
    const deadline = Date.now() + timeoutMs;
    const streak = new Map<number, number>();
    while (Date.now() < deadline) {
      for (const instance of c.instances) {
        if (!instance.proc) continue;
        const metrics = await loopbackRequest(`http://127.0.0.1:${instance.httpPort}/-/metrics`).catch(() => null);
        const busy = metrics !== null && /^gitgate_git_operations [1-9]/m.test(metrics.body);
        streak.set(instance.index, busy ? (streak.get(instance.index) ?? 0) + 1 : 0);
        if (streak.get(instance.index)! >= 5) return instance.index;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return null;
  };

  /** Lists refs through the balancer until every instance has answered: nginx skips a restarted one until its fail_timeout ends. */
  const untilEveryInstanceServes = async (): Promise<void> => {
    await Promise.all(c.instances.filter((i) => !i.proc).map((i) => c.start(i.index)));
    const seen = c.accessLog().length;
    const deadline = Date.now() + 60_000;
    while (distinct(upstreamsSince(seen)).length < 3) {
      if (Date.now() > deadline) throw new Error(`nginx did not route to every instance again: ${c.errorLog().slice(-2000)}`);
      expect((await viaBalancer(['ls-remote', httpUrl('alice/site.git')])).code).toBe(0);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  beforeAll(async () => {
    c = await startCluster(build!, redisUrl!);
    alice = await c.admin.users.create({ username: 'alice', password: PASSWORD, isAdmin: false });
    await c.admin.projects.create({ id: alice.id, username: 'alice', isAdmin: false }, { path: 'site', visibility: 'private' });
    token = (await createToken(alice, ['api', 'write_repository'])).token;
    const root = await c.admin.users.getByUsername('root');
    rootToken = (await createToken(root, ['api'])).token;
    work = scratch();
    await gitOk(['init', '-q', '-b', 'main', work]);
    fs.writeFileSync(path.join(work, 'README.md'), '# site\n');
    await gitOk(['-C', work, 'add', '.']);
    await gitOk(['-C', work, 'commit', '-q', '-m', 'first']);
    const seed = await viaBalancer(['-C', work, 'push', httpUrl('alice/site.git'), 'HEAD:main']);
    expect(seed.code, seed.stderr).toBe(0);
  }, 180_000);
  afterAll(async () => {
    await c?.close();
  }, 120_000);

  it('pushes over HTTP and SSH through one instance are in the very next answer of another: info/refs, ls-refs and a clone', async () => {
    const seen = c.accessLog().length;
    for (let round = 0; round < 6; round++) {
      await gitOk(['-C', work, 'commit', '-q', '--allow-empty', '-m', `round ${round}`]);
      const pushed = (await gitOk(['-C', work, 'rev-parse', 'HEAD'])).trim();
      const push =
        round % 2 === 0
          ? await viaBalancer(['-C', work, 'push', httpUrl('alice/site.git'), 'HEAD:main'])
          : await overSsh(['-C', work, 'push', sshUrl(c.sshPort, 'alice', 'alice/site.git'), 'HEAD:main']);
      expect(push.code, push.stderr).toBe(0);
      const afterPush = c.accessLog().length;
      // v0 info/refs (the advertisement cache), v2 ls-refs (the same cache), a clone (the fetch cache), SSH.
      for (const protocol of ['0', '2']) {
        const listed = await viaBalancer(['-c', `protocol.version=${protocol}`, 'ls-remote', httpUrl('alice/site.git'), 'refs/heads/main']);
        expect(listed.stdout, `round ${round}, v${protocol}: ${listed.stderr}`).toBe(`${pushed}\trefs/heads/main\n`);
      }
      if (round % 2 === 0) {
        // The push's receive-pack and the next request were answered by two different instances.
        const lines = c.accessLog();
        const receive = lines.slice(0, afterPush).findLastIndex((l) => l.includes('"POST /alice/site.git/git-receive-pack '));
        expect(upstreamsSince(afterPush)[0]).not.toBe(upstreamsSince(receive)[0]);
      }
      const copy = scratch();
      const clone = await viaBalancer(['clone', '-q', '--bare', httpUrl('alice/site.git'), copy]);
      expect(clone.code, clone.stderr).toBe(0);
      expect(await head(copy)).toBe(pushed);
      const ssh = await overSsh(['ls-remote', sshUrl(c.sshPort, 'alice', 'alice/site.git'), 'refs/heads/main']);
      expect(ssh.stdout, ssh.stderr).toBe(`${pushed}\trefs/heads/main\n`);
    }
    expect(distinct(upstreamsSince(seen))).toEqual(everyInstance());
    const sshServed = c.instances.filter((i) => i.proc!.stdout().includes('"msg":"ssh git command"'));
    expect(sshServed.length).toBe(3);
  }, 120_000);

  it('a token created on one instance, used on another and revoked on a third is refused by every instance on the next request', async () => {
    const seen = c.accessLog().length;
    const created = await https(`/api/v4/users/${alice.id}/personal_access_tokens`, {
      method: 'POST',
      headers: { 'private-token': rootToken, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'short-lived', scopes: ['read_repository'] }),
    });
    expect(created.status, created.body).toBe(201);
    const { id, token: value } = JSON.parse(created.body) as { id: number; token: string };
    const used = await viaBalancer(['ls-remote', httpUrl('alice/site.git', value)]);
    expect(used.code, used.stderr).toBe(0);
    const revoked = await https(`/api/v4/personal_access_tokens/${id}`, { method: 'DELETE', headers: { 'private-token': rootToken } });
    expect(revoked.status).toBe(204);
    const afterRevoke = c.accessLog().length;
    for (let i = 0; i < 3; i++) {
      const refused = await viaBalancer(['ls-remote', httpUrl('alice/site.git', value)]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/Authentication failed|401|HTTP Basic: Access denied/);
    }
    // Created, used (its requests), revoked and refused on different instances; the refusals on all three.
    expect(distinct(upstreamsSince(seen))).toEqual(everyInstance());
    expect(distinct(upstreamsSince(afterRevoke))).toEqual(everyInstance());
  }, 60_000);

  it('signs in on one instance and keeps the session on every other', async () => {
    const browser = new WebClient(c.url, c.cert.certificatePem, '127.0.0.21');
    const signIn = await browser.submit('/users/sign_in', '/users/sign_in', { login: 'alice', password: PASSWORD });
    expect(signIn.status, signIn.body.slice(0, 300)).toBe(303);
    const seen = c.accessLog().length;
    for (let i = 0; i < 3; i++) {
      const page = await browser.get('/-/user_settings/personal_access_tokens');
      expect(page.status).toBe(200);
      expect(page.body).toContain('alice');
    }
    expect(distinct(upstreamsSince(seen))).toEqual(everyInstance());
  });

  it('counts failed passwords toward one lockout and uses each 2FA code once, whichever instance checks', async () => {
    const bob = await c.admin.users.create({ username: 'bob', password: PASSWORD, isAdmin: false });
    const seen = c.accessLog().length;
    const asBob = (password: string, from: string) =>
      https('/alice/site.git/info/refs?service=git-upload-pack', {
        from,
        headers: { authorization: `Basic ${Buffer.from(`bob:${password}`).toString('base64')}` },
      });
    // Ten failures from ten addresses (the IP ban allows three each), spread over the instances.
    for (let i = 0; i < 10; i++) expect((await asBob('wrong-password', `127.0.3.${i + 1}`)).status).toBe(401);
    // git says no more than "access denied"; the sign-in page names the lock. Each POST reaches another instance.
    for (let i = 0; i < 3; i++) {
      const browser = new WebClient(c.url, c.cert.certificatePem, `127.0.3.${20 + i}`);
      const locked = await browser.submit('/users/sign_in', '/users/sign_in', { login: 'bob', password: PASSWORD });
      expect(locked.status).not.toBe(303);
      expect(locked.body).toContain('Your account is locked after too many failed sign-in attempts');
    }
    expect(distinct(upstreamsSince(seen))).toEqual(everyInstance());
    expect(bob.id).toBeGreaterThan(0);

    const carol = await c.admin.users.create({ username: 'carol', password: PASSWORD, isAdmin: false });
    const { secret } = await c.admin.twoFactor.enableNow(carol);
    const code = authenticator.generate(secret);
    const signInWith = async (from: string): Promise<LoopbackAnswer> => {
      const browser = new WebClient(c.url, c.cert.certificatePem, from);
      const password = await browser.submit('/users/sign_in', '/users/sign_in', { login: 'carol', password: PASSWORD });
      expect(password.status).toBe(303);
      return browser.submit('/users/sign_in', '/users/sign_in/two_factor', { otp_attempt: code });
    };
    const first = await signInWith('127.0.3.40');
    expect(first.status, first.body.slice(0, 300)).toBe(303);
    const again = await signInWith('127.0.3.41');
    expect(again.status).not.toBe(303);
  });

  it('bans an address on every instance once it failed on any', async () => {
    const seen = c.accessLog().length;
    const user = (secret: string) => https('/api/v4/user', { from: '127.0.4.1', headers: { 'private-token': secret } });
    for (let i = 0; i < 3; i++) expect((await user('glpat-not-a-token-at-all')).status).toBe(401);
    for (let i = 0; i < 3; i++) expect((await user(token)).status).toBe(403);
    expect(distinct(upstreamsSince(seen))).toEqual(everyInstance());
    expect((await https('/api/v4/user', { from: '127.0.4.2', headers: { 'private-token': token } })).status).toBe(200);
  });

  it('issues registry tokens on every instance that verify against the one shared signing certificate', async () => {
    const bundle = fs.readFileSync(path.join(c.env.GITGATE_DATA_DIR!, 'registry', 'rootcertbundle.crt'), 'utf8');
    const seen = c.accessLog().length;
    const kids = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const answer = await https('/jwt/auth?service=container_registry&scope=repository:alice/site:pull', {
        headers: { authorization: `Basic ${Buffer.from(`alice:${token}`).toString('base64')}` },
      });
      expect(answer.status).toBe(200);
      const jwt = (JSON.parse(answer.body) as { token: string }).token;
      const header = decodeProtectedHeader(jwt);
      kids.add(header.kid!);
      const key = await importX509(bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)![0], header.alg!);
      const { payload } = await jwtVerify(jwt, key, { audience: 'container_registry' });
      expect(payload.access).toEqual([{ type: 'repository', name: 'alice/site', actions: ['pull'] }]);
    }
    expect(kids.size).toBe(1);
    expect(distinct(upstreamsSince(seen))).toEqual(everyInstance());
  });

  it('an instance killed in the middle of a clone and of a push: the client fails, the repository stays whole, the others serve', async () => {
    const big = await c.admin.projects.create({ id: alice.id, username: 'alice', isAdmin: false }, { path: 'big', visibility: 'private' });
    const bigWork = scratch();
    await gitOk(['init', '-q', '-b', 'main', bigWork]);
    // Larger than what the sockets between gitgate, nginx and the relay can hold, so that gitgate is still sending when it dies.
    fs.writeFileSync(path.join(bigWork, 'blob.bin'), randomBytes(24 * MiB));
    await gitOk(['-C', bigWork, 'add', '.']);
    await gitOk(['-C', bigWork, 'commit', '-q', '-m', 'big']);
    expect((await viaBalancer(['-C', bigWork, 'push', '-q', httpUrl('alice/big.git'), 'HEAD:main'])).code).toBe(0);
    const before = await head(bareRepo(big));
    // The survivors serve: nginx skips the dead instance(s).
    const survivorsServe = async (): Promise<void> => {
      for (let i = 0; i < 3; i++) expect((await viaBalancer(['ls-remote', httpUrl('alice/big.git')])).code).toBe(0);
    };
    // 4 MiB/s: a 24 MiB clone or push takes about six seconds.
    const relay = await throttledRelay(Number(new URL(c.url).port), 4 * MiB);
    const slowUrl = httpUrl('alice/big.git').replace(`:${new URL(c.url).port}/`, `:${relay.port}/`);
    try {
      const clone = viaBalancer(['clone', '-q', '--bare', slowUrl, scratch()]);
      const cloning = await busyInstance(20_000);
      expect(cloning).not.toBeNull();
      await c.kill(cloning!);
      expect((await clone).code).not.toBe(0);
      await survivorsServe();

      fs.writeFileSync(path.join(bigWork, 'blob.bin'), randomBytes(24 * MiB));
      await gitOk(['-C', bigWork, 'commit', '-q', '-am', 'bigger']);
      const push = viaBalancer(['-C', bigWork, 'push', '-q', slowUrl, 'HEAD:main']);
      const pushing = await busyInstance(20_000);
      expect(pushing).not.toBeNull();
      await c.kill(pushing!);
      expect((await push).code).not.toBe(0);
      await survivorsServe();
    } finally {
      await relay.close();
      await untilEveryInstanceServes();
    }
    expect(await head(bareRepo(big))).toBe(before);
    expect((await git(['--git-dir', bareRepo(big), 'fsck', '--no-progress'])).code).toBe(0);
    const retry = await viaBalancer(['-C', bigWork, 'push', '-q', httpUrl('alice/big.git'), 'HEAD:main']);
    expect(retry.code, retry.stderr).toBe(0);
  }, 180_000);

  it('restarts every instance in turn (SIGTERM) under a steady clone load over HTTP and SSH without a failed clone', async () => {
    await untilEveryInstanceServes();
    let stopping = false;
    const failures: string[] = [];
    const sshFailures: string[] = [];
    let clones = 0;
    const worker = async (kind: 'http' | 'ssh'): Promise<void> => {
      while (!stopping) {
        const target = scratch();
        const result =
          kind === 'http'
            ? await viaBalancer(['clone', '-q', '--bare', httpUrl('alice/site.git'), target])
            : await overSsh(['clone', '-q', '--bare', sshUrl(c.sshPort, 'alice', 'alice/site.git'), target]);
        if (result.code === 0) clones += 1;
        else (kind === 'http' ? failures : sshFailures).push(result.stderr);
        fs.rmSync(target, { recursive: true, force: true });
      }
    };
    const workers = [worker('http'), worker('http'), worker('ssh')];
    for (const instance of c.instances) {
      await c.stop(instance.index);
      await c.start(instance.index);
      await untilEveryInstanceServes();
    }
    stopping = true;
    await Promise.all(workers);
    expect(failures, c.errorLog().slice(-4000)).toEqual([]);
    // nginx's stream module cannot retry an SSH connection: a stopping instance serves every connection it
    // accepted (RunningSshServer.settle and emptied). What no process can serve is a connection the kernel
    // completed into the listen backlog in the instant before the listener closed: it is reset before the
    // SSH banner, and nginx has already handed it to the client. At most that, once per restart.
    const beforeBanner = /^kex_exchange_identification: Connection closed by remote host\n/;
    expect(sshFailures.filter((stderr) => !beforeBanner.test(stderr)), c.errorLog().slice(-3000)).toEqual([]);
    expect(sshFailures.length).toBeLessThanOrEqual(c.instances.length);
    expect(clones).toBeGreaterThan(10);
  }, 240_000);
});
