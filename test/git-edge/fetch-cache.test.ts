/**
 * Clone answers from the FetchResponseCache over HTTP, with the real git
 * client: repeated and concurrent clones share one git run, every answer is
 * a sound clone of the refs as they are, a push is in the very next clone,
 * requests with haves always run git, and a client going away stops a run
 * nobody else waits for. git is a counting wrapper, so "no git ran" is observed.
 * Every case runs twice: whole kept answers copied through the gateway's
 * buffers, and sent with sendfile(2).
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { gzipSync } from 'node:zlib';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitHttpOptions } from '../../src/git-http/routes.js';
import { loadFileToSocket } from '../../src/http/file-to-socket.js';
import {
  basic,
  commitFile,
  countingGit,
  git,
  gitOk,
  pkt,
  processesLeftUnder,
  refsOf,
  repoUrl,
  request,
  seedRepo,
  startGitEdge,
  workTree,
  type CountingGit,
  type GitEdge,
} from './harness.js';

let edge: GitEdge;
let repoPath: string;
let work: string;
let counting: CountingGit;
let cacheDir: string;
let url: string;

const gitRuns = (): number => counting.runs();

/** Lets the last ref change age past the caches' settle margin (2 s of ctime). */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 2100));
}

const UPLOAD_PACK = '/alice/fetched.git/git-upload-pack';
const UPLOAD_PACK_HEADERS = { 'Content-Type': 'application/x-git-upload-pack-request', ...basic('alice', 'tok') };

/** A protocol v0 fresh fetch (a clone's request) of `want`. */
function freshFetch(want: string, capabilities = 'side-band-64k ofs-delta'): string {
  return pkt(`want ${want} ${capabilities}\n`) + '0000' + pkt('done\n');
}

/** POSTs `body` to upload-pack and resolves once the response starts; errors are ignored, since these exchanges get cut. */
async function startUploadPack(body: string): Promise<{ req: http.ClientRequest; res: http.IncomingMessage }> {
  const req = http.request(`${edge.url}${UPLOAD_PACK}`, { method: 'POST', headers: UPLOAD_PACK_HEADERS, agent: false });
  req.on('error', () => undefined);
  req.end(body);
  const [res] = (await once(req, 'response')) as [http.IncomingMessage];
  res.on('error', () => undefined);
  return { req, res };
}

let clones = 0;
/** Clones `url` with `args`, checks the clone is sound and has the server's refs, and returns its directory. */
async function cloneOk(args: string[], version: '0' | '2', expectedRefs?: string): Promise<string> {
  const dest = path.join(edge.base, `clone-${++clones}`);
  await gitOk(['-c', `protocol.version=${version}`, 'clone', '--quiet', '--bare', ...args, url, dest], edge.base);
  await gitOk(['fsck', '--no-progress', '--no-dangling'], dest);
  if (expectedRefs !== undefined) expect(await refsOf(dest)).toBe(expectedRefs);
  return dest;
}

/**
 * Both ways a whole kept answer leaves the gateway: copied through its
 * buffers, and with sendfile(2) when the native module is built (the module's
 * own test insists on it on Linux).
 */
const fileToSocket = loadFileToSocket();
const SENDING: [string, Partial<GitHttpOptions>][] = [
  ['copied through buffers', {}],
  ...(fileToSocket ? [['sent with sendfile(2)', { fileToSocket }] as [string, Partial<GitHttpOptions>]] : []),
];

describe.each(SENDING)('clone answers from the fetch cache, whole answers %s', (_way, sending) => {
  beforeAll(async () => {
    counting = countingGit();
    cacheDir = path.join(counting.dir, 'cache');
    edge = await startGitEdge({ ...sending, gitBin: counting.bin, idleTimeoutMs: 5000, fetchCache: { dir: cacheDir, maxBytes: 256 * 1024 * 1024, maxAgeMs: 60_000 } });
    work = await workTree(edge.base, 'upstream', 3);
    await commitFile(work, 'blob.bin', randomBytes(4 * 1024 * 1024));
    await gitOk(['tag', '-a', '-m', 'v1', 'v1'], work);
    await gitOk(['branch', 'side', 'HEAD~1'], work);
    repoPath = await seedRepo(edge, 'alice', 'fetched', work);
    await gitOk(['push', '--quiet', repoPath, 'side', '--tags'], work);
    edge.authorizer.accounts.set('alice', { password: 'tok', kind: 'token', access: { 'alice/fetched': 'write' } });
    edge.authorizer.accounts.set('mallory', { password: 'tok', kind: 'token', access: {} });
    url = repoUrl(edge, 'alice/fetched.git', 'alice', 'tok');
    await settle();
  });

  afterAll(async () => {
    await edge.close();
    fs.rmSync(counting.dir, { recursive: true, force: true });
  });

  for (const version of ['0', '2'] as const) {
    it(`serves a repeated protocol v${version} clone without running git, and the clone is whole`, async () => {
      const refs = await refsOf(repoPath);
      await cloneOk([], version, refs);
      const before = gitRuns();
      await cloneOk([], version, refs);
      await cloneOk([], version, refs);
      expect(gitRuns()).toBe(before);
      expect(fs.readdirSync(cacheDir).length).toBeGreaterThan(0);
    });
  }

  it('shares one git run between concurrent identical clones', async () => {
    await commitFile(work, 'concurrent.txt', 'for the crowd\n');
    await gitOk(['push', '--quiet', repoPath, 'HEAD:main'], work);
    await settle();
    const refs = await refsOf(repoPath);
    const before = gitRuns();
    await Promise.all(Array.from({ length: 6 }, () => cloneOk([], '2', refs)));
    // One ls-refs (the GitAnswerCache shares it too) and one fetch, for six clones.
    expect(gitRuns() - before).toBe(2);
  });

  it('puts a push into the very next clone, settled or not', async () => {
    await cloneOk([], '2');
    const head = await commitFile(work, 'next.txt', 'pushed\n');
    await gitOk(['push', '--quiet', repoPath, 'HEAD:main'], work);
    const fresh = await cloneOk([], '2', await refsOf(repoPath));
    expect(await gitOk(['rev-parse', 'main'], fresh)).toBe(head);
    await settle();
    await cloneOk([], '2', await refsOf(repoPath));
    const before = gitRuns();
    await cloneOk([], '2', await refsOf(repoPath));
    expect(gitRuns()).toBe(before);
  });

  for (const version of ['0', '2'] as const) {
    it(`answers repeated shallow protocol v${version} clones from the cache too`, async () => {
      await cloneOk(['--depth', '1', '--single-branch'], version);
      const before = gitRuns();
      const dest = await cloneOk(['--depth', '1', '--single-branch'], version);
      expect(await gitOk(['rev-list', '--count', 'HEAD'], dest)).toBe('1');
      // v0 negotiates the depth in a request of its own, which git answers.
      expect(gitRuns() - before).toBe(version === '0' ? 1 : 0);
    });
  }

  it('runs git for every fetch that has something (haves are never answered from the cache)', async () => {
    const dest = await cloneOk([], '2');
    for (let i = 0; i < 2; i++) {
      await commitFile(work, 'incremental.txt', `one more ${i}\n`);
      await gitOk(['push', '--quiet', repoPath, 'HEAD:main'], work);
      await settle();
      const before = gitRuns();
      await gitOk(['-c', 'protocol.version=2', 'fetch', '--quiet', url, '+main:main'], dest);
      expect(gitRuns()).toBeGreaterThan(before);
      expect(await gitOk(['rev-parse', 'main'], dest)).toBe(await gitOk(['rev-parse', 'main'], repoPath));
    }
  });

  it('refuses the cached answer to callers without access', async () => {
    await cloneOk([], '2');
    const refused = await git(['clone', '--bare', repoUrl(edge, 'alice/fetched.git', 'mallory', 'tok'), path.join(edge.base, 'refused')], edge.base);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('not found');
  });

  it('answers a request git fails with git\'s error, and does not keep it', async () => {
    const body = freshFetch('1'.repeat(40));
    for (let i = 0; i < 2; i++) {
      const before = gitRuns();
      const res = await request(edge, 'POST', UPLOAD_PACK, { headers: UPLOAD_PACK_HEADERS, body }).catch((err: Error) => err);
      expect(gitRuns()).toBe(before + 1);
      if (!(res instanceof Error)) expect(res.body.toString()).toContain('not our ref');
    }
  });

  // Found by the fuzz suite: a fresh-fetch-shaped request git refuses before its first byte was answered 500.
  it('answers 400 to a fresh fetch git refuses before its first byte, and does not keep it', async () => {
    const body = pkt('command=fetch') + '0001' + pkt('want-ref refs/heads/main') + pkt('done') + '0000';
    for (let i = 0; i < 2; i++) {
      const before = gitRuns();
      const res = await request(edge, 'POST', UPLOAD_PACK, { headers: { ...UPLOAD_PACK_HEADERS, 'Git-Protocol': 'version=2' }, body });
      expect(gitRuns()).toBe(before + 1);
      expect(res.status).toBe(400);
      expect(res.body.toString()).toBe('Bad Request: git refused the request\n');
    }
  });

  it('stops the git run when the only client goes away, and the next clone is whole', async () => {
    await commitFile(work, 'large.bin', randomBytes(24 * 1024 * 1024));
    await gitOk(['push', '--quiet', repoPath, 'HEAD:main'], work);
    await settle();
    const want = await gitOk(['rev-parse', 'main'], repoPath);
    const { req, res } = await startUploadPack(freshFetch(want, 'multi_ack_detailed side-band-64k ofs-delta'));
    expect(res.statusCode).toBe(200);
    await once(res, 'data');
    req.destroy();
    expect(await processesLeftUnder(edge.reposRoot)).toEqual([]);
    await edge.operations.idle();
    await cloneOk([], '0', await refsOf(repoPath));
  });

  it('keys gzip-encoded requests by what they say, not by their encoding', async () => {
    const want = await gitOk(['rev-parse', 'main'], repoPath);
    const body = Buffer.from(freshFetch(want, 'multi_ack_detailed side-band-64k ofs-delta'));
    const plain = await request(edge, 'POST', UPLOAD_PACK, { headers: UPLOAD_PACK_HEADERS, body });
    const before = gitRuns();
    const gzipped = await request(edge, 'POST', UPLOAD_PACK, { headers: { ...UPLOAD_PACK_HEADERS, 'Content-Encoding': 'gzip' }, body: gzipSync(body) });
    expect(gitRuns()).toBe(before);
    expect(gzipped.status).toBe(200);
    expect(gzipped.body.equals(plain.body)).toBe(true);
    expect(gzipped.body.includes('PACK')).toBe(true);
    // A whole kept answer is sent with its length, not chunked.
    expect(gzipped.headers['content-length']).toBe(String(gzipped.body.length));
    expect(gzipped.headers['transfer-encoding']).toBeUndefined();
  });

  it('cuts a client that stops reading a kept answer after the idle timeout, and keeps serving the answer', async () => {
    const want = await gitOk(['rev-parse', 'main'], repoPath);
    const body = freshFetch(want);
    await request(edge, 'POST', UPLOAD_PACK, { headers: UPLOAD_PACK_HEADERS, body });
    const before = gitRuns();
    const { res } = await startUploadPack(body);
    expect(res.headers['content-length']).toBeDefined();
    let received = 0;
    res.on('data', (chunk: Buffer) => (received += chunk.length));
    await once(res, 'data');
    res.pause();
    // The server gives up on the stalled exchange; what it had sent before still arrives, then the cut.
    await edge.operations.idle();
    const closed = new Promise((resolve) => res.once('close', resolve));
    res.resume();
    await closed;
    expect(res.complete).toBe(false);
    expect(received).toBeLessThan(Number(res.headers['content-length']));
    const again = await request(edge, 'POST', UPLOAD_PACK, { headers: UPLOAD_PACK_HEADERS, body });
    expect(again.body.length).toBe(Number(res.headers['content-length']));
    expect(gitRuns()).toBe(before);
  });

  // Last: the edge refuses everything once it has drained.
  it('cuts shared readers when the gateway drains, and leaves no git running', async () => {
    await commitFile(work, 'drain.bin', randomBytes(24 * 1024 * 1024));
    await gitOk(['push', '--quiet', repoPath, 'HEAD:main'], work);
    await settle();
    const want = await gitOk(['rev-parse', 'main'], repoPath);
    const responses = await Promise.all(
      [0, 1].map(async () => {
        const { res } = await startUploadPack(freshFetch(want));
        await once(res, 'data');
        res.pause();
        return res;
      }),
    );
    const closed = responses.map((res) => new Promise((resolve) => res.once('close', resolve)));
    await edge.operations.drain(100);
    await Promise.all(closed);
    for (const res of responses) expect(res.complete).toBe(false);
    expect(await processesLeftUnder(edge.reposRoot)).toEqual([]);
  });
});
