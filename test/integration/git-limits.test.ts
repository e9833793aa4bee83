/**
 * Concurrent git operations are bounded per client address and in all: a
 * flood of stalled uploads from one address gets 429 beyond its share, while
 * git from another address is still served; beyond the global bound everyone
 * gets 503. Both say when to come back (Retry-After) in a line git prints.
 * On Linux all of 127.0.0.0/8 is loopback: the flood comes from 127.0.0.2,
 * the real git client from 127.0.0.1.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_OPERATION_LIMITS, RETRY_AFTER_SECONDS } from '../../src/git/git-operations.js';
import type { Project } from '../../src/projects/project.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { authUrl, git, gitOk, tempDir } from '../support/git-cli.js';
import { processesLeftUnder } from '../git-edge/harness.js';

/** A stalled upload: its answer (if any) once it came, and the means to drop it. */
interface Stalled {
  response: { status: number; headers: http.IncomingHttpHeaders; body: string } | null;
  closed: boolean;
  destroy(): void;
}

/**
 * POSTs a chunked upload-pack request from `localAddress` that sends a few
 * bytes of its body and never finishes it.
 */
function stalledUpload(url: string, localAddress: string): Stalled {
  const req = http.request(url, {
    method: 'POST',
    localAddress,
    agent: false,
    headers: { 'Content-Type': 'application/x-git-upload-pack-request', 'Transfer-Encoding': 'chunked' },
  });
  const stalled: Stalled = { response: null, closed: false, destroy: () => req.destroy() };
  req.on('error', () => undefined);
  req.on('close', () => (stalled.closed = true));
  req.on('response', (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => (body += d));
    res.on('error', () => undefined);
    res.on('end', () => (stalled.response = { status: res.statusCode!, headers: res.headers, body }));
  });
  req.write('0032want ');
  return stalled;
}

describe('git operation limits', () => {
  let gw: Gateway;
  let pub: Project;
  let uploadUrl: string;
  const flood: Stalled[] = [];

  beforeAll(async () => {
    gw = await startGateway('sqlite');
    const alice = await gw.createUser('alice');
    pub = await gw.createProject(alice, 'pub', 'public');
    await gw.seedCommit(pub);
    uploadUrl = `${gw.url}/alice/pub.git/git-upload-pack`;
  });
  afterEach(async () => {
    for (const s of flood.splice(0)) s.destroy();
    // The server notices each client gone and kills its git.
    await gw.server.operations.idle();
    expect(await processesLeftUnder(gw.repoPath(pub))).toEqual([]);
  });
  afterAll(() => gw?.stop());

  it('answers 200 stalled uploads from one address with 429 beyond its limit, and still serves a clone from another', async () => {
    const limit = DEFAULT_OPERATION_LIMITS.maxPerAddress;
    for (let i = 0; i < 200; i++) flood.push(stalledUpload(uploadUrl, '127.0.0.2'));
    const refused = (): Stalled[] => flood.filter((s) => s.response !== null);
    await vi.waitFor(() => expect(refused()).toHaveLength(200 - limit), { timeout: 20_000, interval: 50 });
    expect(gw.server.operations.activeFrom('127.0.0.2')).toBe(limit);
    for (const { response } of refused()) {
      expect(response!.status).toBe(429);
      expect(response!.headers['retry-after']).toBe(String(RETRY_AFTER_SECONDS));
      expect(response!.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(response!.body).toBe(`Too many git operations from your address at once (the limit is ${limit}); try again later.\n`);
    }
    // A refused upload's connection is closed, not left waiting for the rest of its body.
    await vi.waitFor(() => expect(refused().every((s) => s.closed)).toBe(true), { timeout: 10_000, interval: 50 });

    const dir = tempDir();
    const cloned = await git(['clone', authUrl(gw.url, 'alice/pub.git'), dir]);
    expect(cloned.code, cloned.stderr).toBe(0);
    expect(fs.existsSync(path.join(dir, 'README.md'))).toBe(true);

    const metrics = await (await fetch(`${gw.url}/-/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`^gitgate_git_operations_refused_total\\{limit="address"\\} ${200 - limit}$`, 'm'));
    expect(metrics).toMatch(new RegExp(`^gitgate_git_operations ${limit}$`, 'm'));
  });
});

describe('git operation limits: the global one', () => {
  let gw: Gateway;
  let pub: Project;
  let token: string;
  const held: Stalled[] = [];

  beforeAll(async () => {
    gw = await startGateway('sqlite', { env: { GITGATE_GIT_MAX_OPERATIONS: '2' } });
    const alice = await gw.createUser('alice');
    pub = await gw.createProject(alice, 'pub', 'public');
    await gw.seedCommit(pub);
    token = (await gw.createToken(alice, ['write_repository'])).token;
  });
  afterAll(async () => {
    for (const s of held.splice(0)) s.destroy();
    await gw?.stop();
  });

  it('answers everyone 503 with Retry-After beyond it, and serves again once an operation ends', async () => {
    const uploadUrl = `${gw.url}/alice/pub.git/git-upload-pack`;
    held.push(stalledUpload(uploadUrl, '127.0.0.2'), stalledUpload(uploadUrl, '127.0.0.3'));
    await vi.waitFor(() => expect(gw.server.operations.active).toBe(2), { timeout: 10_000, interval: 20 });

    const third = stalledUpload(uploadUrl, '127.0.0.1');
    await vi.waitFor(() => expect(third.response).not.toBeNull(), { timeout: 10_000, interval: 20 });
    expect(third.response!.status).toBe(503);
    expect(third.response!.headers['retry-after']).toBe(String(RETRY_AFTER_SECONDS));
    expect(third.response!.body).toBe('The server is running as many git operations as it allows; try again later.\n');

    // git shows the line when the ref advertisement is refused (a push's always runs git).
    const work = tempDir();
    await gitOk(['clone', '-q', gw.repoPath(pub), work]);
    await gitOk(['-C', work, 'commit', '-q', '--allow-empty', '-m', 'more']);
    const pushed = await git(['-C', work, 'push', authUrl(gw.url, 'alice/pub.git', 'alice', token), 'HEAD:main']);
    expect(pushed.code).not.toBe(0);
    expect(pushed.stderr).toContain('remote: The server is running as many git operations as it allows; try again later.');
    expect(pushed.stderr).toContain('503');

    held.shift()!.destroy();
    await vi.waitFor(() => expect(gw.server.operations.active).toBe(1), { timeout: 10_000, interval: 20 });
    const again = await git(['-C', work, 'push', authUrl(gw.url, 'alice/pub.git', 'alice', token), 'HEAD:main']);
    expect(again.code, again.stderr).toBe(0);
    third.destroy();
  });
});

describe('git operation limits: ref advertisements the answer cache fills', () => {
  let gw: Gateway;
  let pub: Project;
  const held: Stalled[] = [];

  beforeAll(async () => {
    gw = await startGateway('sqlite', { env: { GITGATE_GIT_MAX_OPERATIONS_PER_ADDRESS: '1' } });
    const alice = await gw.createUser('alice');
    pub = await gw.createProject(alice, 'pub', 'public');
    await gw.seedCommit(pub);
  });
  afterAll(async () => {
    for (const s of held.splice(0)) s.destroy();
    await gw?.stop();
  });

  /** GETs the upload-pack ref advertisement from `localAddress`; resolves to the status. */
  const advertisement = (localAddress: string) =>
    new Promise<number>((resolve, reject) => {
      const req = http.get(`${gw.url}/alice/pub.git/info/refs?service=git-upload-pack`, { localAddress, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      });
      req.on('error', reject);
    });
  const holdOne = async () => {
    held.push(stalledUpload(`${gw.url}/alice/pub.git/git-upload-pack`, '127.0.0.2'));
    await vi.waitFor(() => expect(gw.server.operations.activeFrom('127.0.0.2')).toBe(1), { timeout: 10_000, interval: 20 });
  };
  const release = async () => {
    held.shift()!.destroy();
    await gw.server.operations.idle();
  };

  it('counts a fill (a git run) toward the address limit, and a cached answer not', async () => {
    await holdOne();
    expect(await advertisement('127.0.0.2')).toBe(429);
    await release();

    // Only an answer computed from refs older than the settle margin (2 s, RefState) is kept.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await advertisement('127.0.0.3')).toBe(200);
    await holdOne();
    expect(await advertisement('127.0.0.2')).toBe(200);
    await release();
  });
});
