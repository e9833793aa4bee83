/**
 * `/-/metrics` of a running gateway moves with what it serves: HTTP requests
 * by surface, method and status class with their durations, git operations
 * by transport, service and outcome with theirs, Node's process metrics under
 * their standard names — and never a secret, user, repository or path.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PASSWORD, startGateway, type Gateway } from '../support/gateway.js';
import { authUrl, git, gitOk, tempDir } from '../support/git-cli.js';
import { generateKey, gitSsh, sshToolsInstalled, sshUrl } from '../ssh/ssh-client.js';

const ADMIN = { id: 0, username: '(test)', isAdmin: true };

type Samples = Map<string, number>;

/** `name{a="x",b="y"}` with the labels sorted, as the key of a sample. */
function series(name: string, labels: Record<string, string> = {}): string {
  const pairs = Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${v}"`);
  return pairs.length ? `${name}{${pairs.join(',')}}` : name;
}

function parse(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]));
    samples.set(series(m[1]!, labels), Number(m[3]));
  }
  return samples;
}

describe('metrics of a running gateway', () => {
  const withSsh = sshToolsInstalled();
  let gw: Gateway;
  let aliceToken: string;
  let bobToken: string;
  let sshKey: Awaited<ReturnType<typeof generateKey>> | null = null;
  let lastText = '';

  async function scrape(): Promise<Samples> {
    const res = await fetch(`${gw.url}/-/metrics`);
    expect(res.status).toBe(200);
    lastText = await res.text();
    return parse(lastText);
  }

  /**
   * Runs `action` and returns how much each series grew meanwhile (the
   * scrape itself excluded). A client may be done before the server: git
   * exits after its last byte went out, and its exit status comes back
   * through the spawner; an operation is counted once it is no longer in
   * flight, so the second scrape waits for that.
   */
  async function during(action: () => Promise<void>): Promise<(name: string, labels?: Record<string, string>) => number> {
    const before = await scrape();
    await action();
    await vi.waitFor(() => expect(gw.server.operations.active).toBe(0), { timeout: 10_000 });
    const after = await scrape();
    return (name, labels) => (after.get(series(name, labels)) ?? 0) - (before.get(series(name, labels)) ?? 0);
  }

  const http = (surface: string, method: string, statusClass: string) => ['gitgate_http_requests_total', { surface, method, status_class: statusClass }] as const;
  const gitOps = (transport: string, service: string, outcome: string) => ['gitgate_git_operations_total', { transport, service, outcome }] as const;
  const gitTimed = (transport: string, service: string) => ['gitgate_git_operation_duration_seconds_count', { transport, service }] as const;
  const httpTimed = (surface: string) => ['gitgate_http_request_duration_seconds_count', { surface }] as const;

  beforeAll(async () => {
    gw = await startGateway('sqlite', { ssh: withSsh });
    const alice = await gw.createUser('alice');
    const bob = await gw.createUser('bob');
    const project = await gw.createProject(alice, 'site');
    await gw.seedCommit(project);
    await gw.addMember(project, bob, 'reporter');
    // Ref states newer than 2 s are never shared or kept: wait, so that a second clone is answered from the caches.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    aliceToken = (await gw.createToken(alice, ['api', 'write_repository'])).token;
    bobToken = (await gw.createToken(bob, ['write_repository'])).token;
    if (withSsh) {
      const key = await generateKey('ed25519');
      await gw.system.sshKeys.add(ADMIN, alice.id, { title: 'laptop', key: key.publicKey });
      sshKey = key;
    }
  });
  afterAll(() => gw?.stop());
  const repoUrl = (user: string, token: string): string => authUrl(gw.url, 'alice/site.git', user, token);

  it('counts a clone over HTTP as git requests and upload-pack operations, and a second clone as cached', async () => {
    const first = await during(async () => {
      await gitOk(['clone', '-q', repoUrl('alice', aliceToken), tempDir()]);
    });
    const gets = first(...http('git', 'GET', '2xx'));
    const posts = first(...http('git', 'POST', '2xx'));
    // git asks without credentials first: a 401, then the same request with the token.
    const probes = first(...http('git', 'GET', '4xx'));
    expect([gets, probes]).toEqual([1, 1]);
    expect(posts).toBeGreaterThanOrEqual(1);
    expect(first(...httpTimed('git'))).toBe(gets + posts + probes);
    expect(first(...gitOps('http', 'git-upload-pack', 'refused'))).toBe(probes);
    // The first clone runs git for each of its requests (filling the caches).
    expect(first(...gitOps('http', 'git-upload-pack', 'ok'))).toBe(gets + posts);
    expect(first(...gitOps('http', 'git-upload-pack', 'cached'))).toBe(0);
    expect(first(...gitTimed('http', 'git-upload-pack'))).toBe(gets + posts + probes);

    const second = await during(async () => {
      await gitOk(['clone', '-q', repoUrl('alice', aliceToken), tempDir()]);
    });
    expect(second(...gitOps('http', 'git-upload-pack', 'cached'))).toBe(gets + posts);
    expect(second(...gitOps('http', 'git-upload-pack', 'ok'))).toBe(0);
  });

  it('counts a push as receive-pack operations, and a refused push as refused', async () => {
    const dir = tempDir();
    await gitOk(['clone', '-q', repoUrl('alice', aliceToken), dir]);
    await gitOk(['-C', dir, 'commit', '-q', '--allow-empty', '-m', 'measured']);
    const pushed = await during(async () => {
      await gitOk(['-C', dir, 'push', '-q', repoUrl('alice', aliceToken), 'HEAD:refs/heads/measured']);
    });
    // The unauthenticated probe (401), the advertisement and the pack.
    expect(pushed(...gitOps('http', 'git-receive-pack', 'refused'))).toBe(1);
    expect(pushed(...gitOps('http', 'git-receive-pack', 'ok'))).toBe(2);
    expect(pushed(...gitTimed('http', 'git-receive-pack'))).toBe(3);
    expect(pushed(...http('git', 'POST', '2xx'))).toBe(1);

    const refused = await during(async () => {
      const r = await git(['-C', dir, 'push', repoUrl('bob', bobToken), 'HEAD:refs/heads/refused']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/403|not allowed to push/);
    });
    // The probe, then bob's token: a reporter may not push (403).
    expect(refused(...gitOps('http', 'git-receive-pack', 'refused'))).toBe(2);
    expect(refused(...gitOps('http', 'git-receive-pack', 'ok'))).toBe(0);
    expect(refused(...http('git', 'GET', '4xx'))).toBe(2);
    expect(refused(...http('git', 'POST', '2xx'))).toBe(0);
  });

  it('counts API calls, web pages, registry tokens and its own scrapes by surface', async () => {
    const moved = await during(async () => {
      expect((await fetch(`${gw.url}/api/v4/user`, { headers: { 'private-token': aliceToken } })).status).toBe(200);
      expect((await fetch(`${gw.url}/api/v4/user`)).status).toBe(401);
      expect((await fetch(`${gw.url}/users/sign_in`)).status).toBe(200);
      const basic = `Basic ${Buffer.from(`ci:${aliceToken}`).toString('base64')}`;
      const registry = await fetch(`${gw.url}/jwt/auth?service=container_registry&scope=repository:alice/site:pull`, { headers: { authorization: basic } });
      expect(registry.status).toBe(200);
      expect((await fetch(`${gw.url}/no/such/page`)).status).toBe(404);
    });
    expect(moved(...http('registry', 'GET', '2xx'))).toBe(1);
    expect(moved(...httpTimed('registry'))).toBe(1);
    expect(moved(...http('api', 'GET', '2xx'))).toBe(1);
    expect(moved(...http('api', 'GET', '4xx'))).toBe(1);
    expect(moved(...httpTimed('api'))).toBe(2);
    expect(moved(...http('web', 'GET', '2xx'))).toBe(1);
    expect(moved(...httpTimed('web'))).toBe(1);
    expect(moved(...http('other', 'GET', '4xx'))).toBe(1);
    // The first scrape finished before the second began; the second is counted after it answered.
    expect(moved(...http('monitoring', 'GET', '2xx'))).toBe(1);
    expect(moved(...httpTimed('git'))).toBe(0);
  });

  it.runIf(withSsh)('counts a clone over SSH as an upload-pack operation over ssh', async () => {
    const moved = await during(async () => {
      const r = await gitSsh(gw.sshPort!, { key: sshKey! }, ['clone', '-q', sshUrl(gw.sshPort!, 'alice', 'alice/site.git'), tempDir()]);
      expect(r.code, r.stderr).toBe(0);
    });
    expect(moved(...gitOps('ssh', 'git-upload-pack', 'ok'))).toBe(1);
    expect(moved(...gitTimed('ssh', 'git-upload-pack'))).toBe(1);
    expect(moved(...gitOps('http', 'git-upload-pack', 'ok')) + moved(...gitOps('http', 'git-upload-pack', 'cached'))).toBe(0);

    const refused = await during(async () => {
      const r = await gitSsh(gw.sshPort!, { key: sshKey! }, ['ls-remote', sshUrl(gw.sshPort!, 'alice', 'alice/nothing-here.git')]);
      expect(r.code).not.toBe(0);
    });
    expect(refused(...gitOps('ssh', 'git-upload-pack', 'refused'))).toBe(1);
  });

  it("exports Node's process metrics under their standard names, and no secret, user, repository or path", async () => {
    const samples = await scrape();
    for (const name of ['process_cpu_user_seconds_total', 'process_start_time_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
      expect(samples.has(name), name).toBe(true);
    }
    expect(lastText).not.toMatch(/gitgate_process_|gitgate_nodejs_/);
    for (const secret of [aliceToken, bobToken, PASSWORD]) expect(lastText).not.toContain(secret);
    const labelValues = [...samples.keys()].flatMap((k) => [...k.matchAll(/="([^"]*)"/g)].map((m) => m[1]!));
    for (const value of labelValues) expect(value).not.toMatch(/alice|bob|site|\//);
  });
});
