import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  commitFile,
  gitOk,
  refsOf,
  repoUrl,
  request,
  seedRepo,
  startGitEdge,
  workTree,
  type GitEdge,
} from './harness.js';

let edge: GitEdge;
let upstream: string;
let repoPath: string;

beforeAll(async () => {
  edge = await startGitEdge();
  upstream = await workTree(edge.base, 'upstream', 3);
  repoPath = await seedRepo(edge, 'alice', 'demo', upstream);
  edge.authorizer.publicRepos.add('alice/demo');
});

afterAll(async () => {
  await edge.close();
});

describe.each(['0', '2'])('clone with protocol.version=%s', (version) => {
  it('clones with and without .git, and the clone matches the server', async () => {
    for (const suffix of ['.git', '']) {
      const dest = path.join(edge.base, `clone-v${version}${suffix || '-bare'}`);
      const before = edge.seen.length;
      await gitOk(['-c', `protocol.version=${version}`, 'clone', '-q', repoUrl(edge, `alice/demo${suffix}`), dest], edge.base);
      expect(await gitOk(['rev-parse', 'HEAD'], dest)).toBe(await gitOk(['rev-parse', 'main'], repoPath));
      const sent = edge.seen.slice(before).map((s) => s.gitProtocol);
      expect(sent.every((p) => (version === '2' ? p === 'version=2' : p === undefined))).toBe(true);
    }
  });

  it('clones with --depth 1', async () => {
    const dest = path.join(edge.base, `shallow-v${version}`);
    await gitOk(['-c', `protocol.version=${version}`, 'clone', '-q', '--depth', '1', repoUrl(edge, 'alice/demo.git'), dest], edge.base);
    expect(await gitOk(['rev-list', '--count', 'HEAD'], dest)).toBe('1');
    expect(await gitOk(['rev-parse', '--is-shallow-repository'], dest)).toBe('true');
  });

  it('fetches new commits with a gzipped negotiation', async () => {
    const dest = path.join(edge.base, `fetch-v${version}`);
    await gitOk(['-c', `protocol.version=${version}`, 'clone', '-q', repoUrl(edge, 'alice/demo.git'), dest], edge.base);
    // Many local commits the server lacks make the "have" list exceed 1 KiB: git gzips it.
    for (let i = 0; i < 40; i++) await commitFile(dest, `local-${i}.txt`, `local ${i}\n`);
    const side = await workTree(edge.base, `side-v${version}`, 0);
    await gitOk(['pull', '-q', repoPath, 'main'], side);
    for (let i = 0; i < 5; i++) await commitFile(side, `server-v${version}-${i}.txt`, `server ${i}\n`);
    for (let i = 0; i < 30; i++) await gitOk(['tag', `t-v${version}-${i}`, `HEAD~${i % 5}`], side);
    await gitOk(['push', '-q', '--tags', repoPath, 'main'], side);

    const before = edge.seen.length;
    await gitOk(['-c', `protocol.version=${version}`, 'fetch', '-q', '--tags', 'origin'], dest);
    expect(await gitOk(['rev-parse', 'origin/main'], dest)).toBe(await gitOk(['rev-parse', 'main'], repoPath));
    expect(await gitOk(['rev-parse', `t-v${version}-29`], dest)).toBe(await gitOk(['rev-parse', `t-v${version}-29`], repoPath));
    const posts = edge.seen.slice(before).filter((s) => s.method === 'POST');
    expect(posts.some((s) => s.contentEncoding === 'gzip')).toBe(true);
    await gitOk(['fsck', '--no-progress'], dest);
  });
});

describe('info/refs', () => {
  const path_ = '/alice/demo.git/info/refs?service=git-upload-pack';

  it('answers v0 with the service preamble and git http-backend headers', async () => {
    const res = await request(edge, 'GET', path_);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-git-upload-pack-advertisement');
    expect(res.headers['cache-control']).toBe('no-cache, max-age=0, must-revalidate');
    expect(res.headers.pragma).toBe('no-cache');
    expect(res.headers.expires).toBe('Fri, 01 Jan 1980 00:00:00 GMT');
    expect(res.body.toString().startsWith('001e# service=git-upload-pack\n0000')).toBe(true);
    expect(res.body.toString()).toContain('refs/heads/main');
  });

  it('omits the preamble in v2', async () => {
    const res = await request(edge, 'GET', path_, { headers: { 'Git-Protocol': 'version=2' } });
    expect(res.status).toBe(200);
    expect(res.body.toString().startsWith('000eversion 2\n')).toBe(true);
  });

  it('keeps the preamble for receive-pack even when v2 is asked (receive-pack has no v2)', async () => {
    edge.authorizer.accounts.set('writer', { password: 'pw', kind: 'token', access: { 'alice/demo': 'write' } });
    const res = await request(edge, 'GET', '/alice/demo.git/info/refs?service=git-receive-pack', {
      headers: { 'Git-Protocol': 'version=2', Authorization: `Basic ${Buffer.from('writer:pw').toString('base64')}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-git-receive-pack-advertisement');
    expect(res.body.toString().startsWith('001f# service=git-receive-pack\n0000')).toBe(true);
  });

  it.each(['version=2;rm -rf /', 'version 2', 'version=2,3', 'version=2:', '=2', 'version=2:a=b=c'])(
    'ignores the invalid Git-Protocol %j and answers v0',
    async (header) => {
      const res = await request(edge, 'GET', path_, { headers: { 'Git-Protocol': header } });
      expect(res.status).toBe(200);
      expect(res.body.toString().startsWith('001e# service=git-upload-pack\n')).toBe(true);
    },
  );

  it('answers HEAD with headers only, after authorization, without running git', async () => {
    await edge.operations.idle();
    const calls = edge.authorizer.calls.length;
    const finished = edge.logs.filter((l) => l.msg === 'git finished').length;
    const res = await request(edge, 'HEAD', path_);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-git-upload-pack-advertisement');
    expect(res.body.length).toBe(0);
    expect(edge.authorizer.calls.length).toBe(calls + 1);
    expect(edge.operations.active).toBe(0);
    expect(edge.logs.filter((l) => l.msg === 'git finished').length).toBe(finished);
  });

  it('leaves the repository untouched by reads', async () => {
    const refs = await refsOf(repoPath);
    await request(edge, 'GET', path_);
    expect(await refsOf(repoPath)).toBe(refs);
  });
});
