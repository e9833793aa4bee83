/**
 * Ref advertisements answered from the GitAnswerCache over HTTP: protocol
 * v0 `info/refs` and protocol v2 `ls-refs` are the bytes git sends, repeats
 * run no git, and a ref change — through the gateway or on disk — is in the
 * very next answer. git is a counting wrapper, so "no git ran" is observed.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GIT_PATH, gitEnvironment } from '../../src/git/git-env.js';
import { encodePktLine, FLUSH_PKT } from '../../src/git/pkt-line.js';
import { basic, commitFile, countingGit, type CountingGit, gitOk, refsOf, repoUrl, request, seedRepo, startGitEdge, workTree, type GitEdge } from './harness.js';

const INFO_REFS = '/alice/cached.git/info/refs?service=git-upload-pack';
const UPLOAD_PACK = '/alice/cached.git/git-upload-pack';
const AUTH = basic('alice', 'tok');
let edge: GitEdge;
let repoPath: string;
let counting: CountingGit;

beforeAll(async () => {
  counting = countingGit();
  edge = await startGitEdge({ gitBin: counting.bin, idleTimeoutMs: 3000 });
  repoPath = await seedRepo(edge, 'alice', 'cached', await workTree(edge.base, 'upstream', 2));
  edge.authorizer.accounts.set('alice', { password: 'tok', kind: 'token', access: { 'alice/cached': 'write' } });
});

afterAll(async () => {
  await edge.close();
  fs.rmSync(counting.dir, { recursive: true, force: true });
});

const gitRuns = (): number => counting.runs();

/** git's own answer, run exactly as the edge runs it. */
async function gitsAnswer(gitProtocol: string | null, stdin?: Buffer): Promise<Buffer> {
  const args = ['upload-pack', '--stateless-rpc', ...(stdin ? [] : ['--advertise-refs']), repoPath];
  const child = execFile('git', args, { cwd: repoPath, env: gitEnvironment({ path: DEFAULT_GIT_PATH, home: os.tmpdir(), gitProtocol }), encoding: 'buffer' });
  const chunks: Buffer[] = [];
  child.stdout!.on('data', (c: Buffer) => chunks.push(c));
  child.stdin!.end(stdin);
  await new Promise((resolve) => child.on('close', resolve));
  return Buffer.concat(chunks);
}

const LS_REFS = Buffer.concat([
  encodePktLine('command=ls-refs\n'),
  encodePktLine('object-format=sha1\n'),
  Buffer.from('0001'),
  encodePktLine('peel\n'),
  encodePktLine('symrefs\n'),
  encodePktLine('ref-prefix refs/heads/\n'),
  FLUSH_PKT,
]);
const V2_POST = { ...AUTH, 'Git-Protocol': 'version=2', 'Content-Type': 'application/x-git-upload-pack-request' };

/**
 * Waits until the repository's last write is older than the cache's settle
 * margin (2 s of ctime, which no program can backdate), so answers are stored.
 */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 2100));
}

describe('cached ref advertisements over HTTP', () => {
  it('answers v0 info/refs with the preamble and exactly git\'s bytes, and repeats run no git', async () => {
    const preamble = Buffer.concat([encodePktLine('# service=git-upload-pack\n'), FLUSH_PKT]);
    const expected = Buffer.concat([preamble, await gitsAnswer(null)]);
    for (let i = 0; i < 3; i++) {
      const res = await request(edge, 'GET', INFO_REFS, { headers: AUTH });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/x-git-upload-pack-advertisement');
      expect(res.headers['cache-control']).toBe('no-cache, max-age=0, must-revalidate');
      expect(res.body.toString()).toBe(expected.toString());
    }
  });

  it('answers v2 ls-refs, plain or gzip-encoded, with git\'s bytes', async () => {
    const expected = await gitsAnswer('version=2', LS_REFS);
    const plain = await request(edge, 'POST', UPLOAD_PACK, { headers: V2_POST, body: LS_REFS });
    expect(plain.status).toBe(200);
    expect(plain.headers['content-type']).toBe('application/x-git-upload-pack-result');
    expect(plain.body.toString()).toBe(expected.toString());
    const gzipped = await request(edge, 'POST', UPLOAD_PACK, { headers: { ...V2_POST, 'Content-Encoding': 'gzip' }, body: gzipSync(LS_REFS) });
    expect(gzipped.body.toString()).toBe(expected.toString());
    const corrupt = await request(edge, 'POST', UPLOAD_PACK, { headers: { ...V2_POST, 'Content-Encoding': 'gzip' }, body: Buffer.from('not gzip at all') });
    expect(corrupt.status).toBe(400);
  });

  it('still refuses before anything is read or run when the credentials are wrong', async () => {
    const before = gitRuns();
    const anonymous = await request(edge, 'POST', UPLOAD_PACK, { headers: { ...V2_POST, Authorization: '' }, body: LS_REFS });
    expect(anonymous.status).toBe(401);
    const v0 = await request(edge, 'GET', INFO_REFS, { headers: basic('alice', 'wrong') });
    expect(v0.status).toBe(401);
    expect(gitRuns()).toBe(before);
  });

  it('runs no git at all for a v0 ls-remote or a v2 ls-remote once the refs have settled', async () => {
    await settle();
    const url = repoUrl(edge, 'alice/cached.git', 'alice', 'tok');
    for (const version of ['0', '2']) await gitOk(['-c', `protocol.version=${version}`, 'ls-remote', url], edge.base);
    const before = gitRuns();
    for (const version of ['0', '2', '0', '2']) {
      expect(await gitOk(['-c', `protocol.version=${version}`, 'ls-remote', url], edge.base)).toContain('refs/heads/main');
    }
    expect(gitRuns()).toBe(before);
  });

  it('shows every push in the very next answer, however fast they come', async () => {
    await settle();
    const url = repoUrl(edge, 'alice/cached.git', 'alice', 'tok');
    const work = path.join(edge.base, 'pusher');
    await gitOk(['clone', '--quiet', url, work], edge.base);
    for (let i = 0; i < 5; i++) {
      const head = await commitFile(work, 'f.txt', `push ${i}\n`);
      await gitOk(['push', '--quiet', 'origin', 'HEAD:main'], work);
      for (const version of ['0', '2']) {
        const listed = await gitOk(['-c', `protocol.version=${version}`, 'ls-remote', url, 'refs/heads/main'], edge.base);
        expect(listed).toBe(`${head}\trefs/heads/main`);
      }
    }
  });

  it('shows a ref changed on disk, outside the gateway, in the next answer', async () => {
    await settle();
    const url = repoUrl(edge, 'alice/cached.git', 'alice', 'tok');
    await gitOk(['ls-remote', url], edge.base);
    const main = await gitOk(['rev-parse', 'refs/heads/main'], repoPath);
    await gitOk(['update-ref', 'refs/heads/side', `${main}~1`], repoPath);
    await gitOk(['pack-refs', '--all'], repoPath);
    for (const version of ['0', '2']) {
      const listed = await gitOk(['-c', `protocol.version=${version}`, 'ls-remote', '--heads', url], edge.base);
      expect(`${listed}\n`).toBe(
        (await refsOf(repoPath))
          .split('\n')
          .filter((l) => l.includes('refs/heads/'))
          .map((l) => `${l.replace(' ', '\t')}\n`)
          .join(''),
      );
    }
  });

  it('answers 408 to a client that stops sending its small request body, closes the connection, and runs no git', async () => {
    const before = gitRuns();
    const socket = net.connect(Number(new URL(edge.url).port), '127.0.0.1');
    const head = Object.entries({ ...V2_POST, 'Content-Length': String(LS_REFS.length), Host: 'x' }).map(([k, v]) => `${k}: ${v}\r\n`);
    socket.write(`POST ${UPLOAD_PACK} HTTP/1.1\r\n${head.join('')}\r\n`);
    socket.write(LS_REFS.subarray(0, 10));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    const started = Date.now();
    await new Promise((resolve) => socket.on('close', resolve));
    expect(Date.now() - started).toBeGreaterThanOrEqual(2500);
    expect(Buffer.concat(chunks).toString()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(gitRuns()).toBe(before);
  });
});
