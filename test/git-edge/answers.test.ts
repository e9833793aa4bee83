import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_NOT_FOUND } from '../../src/git/git-messages.js';
import { ACCESS_DENIED, TWO_FACTOR_REQUIRED } from '../../src/git-http/git-errors.js';
import { basic, commitFile, git, gitOk, pkt, repoUrl, request, seedRepo, startGitEdge, workTree, type GitEdge } from './harness.js';

let edge: GitEdge;

beforeAll(async () => {
  edge = await startGitEdge();
  const upstream = await workTree(edge.base, 'upstream', 1);
  await seedRepo(edge, 'alice', 'private', upstream);
  await seedRepo(edge, 'alice', 'public', upstream);
  const a = edge.authorizer;
  a.publicRepos.add('alice/public');
  a.accounts.set('reader', { password: 'glpat-reader', kind: 'token', access: { 'alice/private': 'read' } });
  a.accounts.set('scoped', { password: 'glpat-scoped', kind: 'token', access: { 'alice/private': 'write' }, readScopeOnly: true });
  a.accounts.set('stranger', { password: 'glpat-stranger', kind: 'token', access: {} });
  a.accounts.set('twofa', { password: 'account-password', kind: 'password', access: { 'alice/private': 'write' }, twoFactor: true });
});

afterAll(async () => {
  await edge.close();
});

const infoRefs = (repo: string, service = 'git-upload-pack'): string => `/${repo}/info/refs?service=${service}`;

describe('authorization answers (raw HTTP)', () => {
  it('401 with WWW-Authenticate and GitLab wording when no credentials are sent to a private repo', async () => {
    const res = await request(edge, 'GET', infoRefs('alice/private.git'));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Basic realm="gitgate"');
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.body.toString()).toBe(`${ACCESS_DENIED}\n`);
  });

  it('401 for wrong credentials, never echoing them', async () => {
    const res = await request(edge, 'GET', infoRefs('alice/private'), { headers: basic('reader', 'glpat-WRONG-secret') });
    expect(res.status).toBe(401);
    expect(res.body.toString()).not.toContain('glpat-WRONG-secret');
    expect(JSON.stringify(edge.logs)).not.toContain('glpat-WRONG-secret');
  });

  it('401 telling 2FA users to use a token', async () => {
    const res = await request(edge, 'GET', infoRefs('alice/private'), { headers: basic('twofa', 'account-password') });
    expect(res.status).toBe(401);
    expect(res.body.toString()).toBe(`${ACCESS_DENIED}\n${TWO_FACTOR_REQUIRED}\n`);
  });

  it('treats a malformed Authorization header as no credentials', async () => {
    for (const header of ['Basic', 'Basic !!!', 'Bearer abc', `Basic ${Buffer.from('no-colon').toString('base64')}`]) {
      const res = await request(edge, 'GET', infoRefs('alice/private'), { headers: { Authorization: header } });
      expect(res.status).toBe(401);
      expect(edge.authorizer.calls.at(-1)!.credentials).toBeNull();
    }
  });

  it('404 with GitLab wording when authenticated without access, same as a missing repo', async () => {
    const hidden = await request(edge, 'GET', infoRefs('alice/private'), { headers: basic('stranger', 'glpat-stranger') });
    const missing = await request(edge, 'GET', infoRefs('alice/nope'), { headers: basic('stranger', 'glpat-stranger') });
    for (const res of [hidden, missing]) {
      expect(res.status).toBe(404);
      expect(res.body.toString()).toBe(`${PROJECT_NOT_FOUND}\n`);
    }
  });

  it('403 with one line when reading is allowed but pushing is not', async () => {
    const res = await request(edge, 'GET', infoRefs('alice/private', 'git-receive-pack'), { headers: basic('reader', 'glpat-reader') });
    expect(res.status).toBe(403);
    expect(res.body.toString()).toBe('You are not allowed to push code to this project.\n');
  });

  it('403 naming the scopes when the token lacks them', async () => {
    const res = await request(edge, 'GET', infoRefs('alice/private', 'git-receive-pack'), { headers: basic('scoped', 'glpat-scoped') });
    expect(res.status).toBe(403);
    expect(res.body.toString()).toMatch(/^Insufficient scope: .*write_repository, api\.\n$/);
  });

  it('403 for a banned IP', async () => {
    edge.authorizer.bannedIps.add('127.0.0.1');
    try {
      const res = await request(edge, 'GET', infoRefs('alice/public'));
      expect(res.status).toBe(403);
      expect(res.body.toString()).toBe('Too many failed authentication attempts from this IP\n');
    } finally {
      edge.authorizer.bannedIps.clear();
    }
  });

  it('500 with a generic body when the authorizer fails unexpectedly; details only in the log', async () => {
    edge.authorizer.failWith = new Error('database is on fire');
    try {
      const res = await request(edge, 'POST', '/alice/public.git/git-upload-pack', {
        headers: { 'Content-Type': 'application/x-git-upload-pack-request' },
        body: '0000',
      });
      expect(res.status).toBe(500);
      expect(res.body.toString()).toBe('Internal Server Error\n');
      expect(JSON.stringify(edge.logs)).toContain('database is on fire');
    } finally {
      edge.authorizer.failWith = null;
    }
  });

  it('authorizes both POSTs, not only info/refs', async () => {
    for (const service of ['git-upload-pack', 'git-receive-pack']) {
      const res = await request(edge, 'POST', `/alice/private.git/${service}`, {
        headers: { 'Content-Type': `application/x-${service}-request` },
        body: '0000',
      });
      expect(res.status).toBe(401);
    }
  });
});

describe('authorization answers (git client)', () => {
  it('prints the 401 text and fails authentication', async () => {
    const r = await git(['clone', repoUrl(edge, 'alice/private.git', 'reader', 'bad'), path.join(edge.base, 'x1')], edge.base);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`remote: ${ACCESS_DENIED}`);
    expect(r.stderr).toContain('Authentication failed');
  });

  it('clones anonymously from a public repo but may not push there', async () => {
    const dest = path.join(edge.base, 'anon');
    await gitOk(['clone', '-q', repoUrl(edge, 'alice/public.git'), dest], edge.base);
    await commitFile(dest, 'anon.txt', 'anon\n');
    const r = await git(['push', 'origin', 'main'], dest);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/could not read Username|Authentication failed/);
  });

  it('prints the 403 line on a refused push', async () => {
    const dest = path.join(edge.base, 'reader');
    await gitOk(['clone', '-q', repoUrl(edge, 'alice/private.git', 'reader', 'glpat-reader'), dest], edge.base);
    await commitFile(dest, 'r.txt', 'r\n');
    const r = await git(['push', 'origin', 'main'], dest);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('remote: You are not allowed to push code to this project.');
  });

  it('prints the 404 line for a hidden repo', async () => {
    const r = await git(['clone', repoUrl(edge, 'alice/private.git', 'stranger', 'glpat-stranger'), path.join(edge.base, 'x2')], edge.base);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`remote: ${PROJECT_NOT_FOUND}`);
  });
});

describe('requests gitgate does not serve', () => {
  it.each([
    ['GET', '/alice/public.git/HEAD'],
    ['GET', '/alice/public/HEAD'],
    ['GET', '/alice/public.git/objects/info/packs'],
    ['GET', '/alice/public.git/objects/12/3456789012345678901234567890123456789'],
    ['GET', '/alice/public.git/info/alternates'],
    ['GET', '/alice/public.git/info/refs'],
    ['GET', '/alice/public.git/info/refs?service=git-upload-archive'],
    ['GET', '/alice/public.git/info/refs?service=upload-pack'],
    ['GET', '/alice/public.git/info/refs/'],
    ['GET', '/alice/public.git/config'],
  ])('%s %s → 404 text/plain, no authorization, no git', async (method, p) => {
    const calls = edge.authorizer.calls.length;
    const res = await request(edge, method, p);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(edge.authorizer.calls.length).toBe(calls);
  });

  it.each([
    ['POST', '/alice/public.git/info/refs?service=git-upload-pack', 'GET, HEAD'],
    ['PUT', '/alice/public/info/refs?service=git-upload-pack', 'GET, HEAD'],
    ['GET', '/alice/public.git/git-upload-pack', 'POST'],
    ['GET', '/alice/public.git/git-receive-pack', 'POST'],
    ['DELETE', '/alice/public/git-receive-pack', 'POST'],
  ])('%s %s → 405 Allow: %s', async (method, p, allow) => {
    const res = await request(edge, method, p);
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe(allow);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
  });

  it.each([
    [{}],
    [{ 'Content-Type': 'application/x-git-receive-pack-request' }],
    [{ 'Content-Type': 'text/plain' }],
    [{ 'Content-Type': 'application/x-git-upload-pack-request', 'Content-Encoding': 'br' }],
    [{ 'Content-Type': 'application/x-git-upload-pack-request', 'Content-Encoding': 'deflate' }],
  ])('POST git-upload-pack with %j → 415 before authorization', async (headers) => {
    const calls = edge.authorizer.calls.length;
    const res = await request(edge, 'POST', '/alice/public.git/git-upload-pack', { headers, body: '0000' });
    expect(res.status).toBe(415);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(edge.authorizer.calls.length).toBe(calls);
  });

  it('answers 400 to a gzip body that does not decompress, and stops git', async () => {
    const res = await request(edge, 'POST', '/alice/public.git/git-upload-pack', {
      headers: { 'Content-Type': 'application/x-git-upload-pack-request', 'Content-Encoding': 'gzip' },
      body: 'this is not gzip',
    });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    await edge.operations.idle();
    expect(edge.logs.some((l) => l.reason === 'bad-body')).toBe(true);
  });

  it('leaves paths that are not git to the next route', async () => {
    for (const p of ['/', '/users/sign_in', '/api/v4/projects', '/alice/public', '/alice/public.git']) {
      const res = await request(edge, 'GET', p);
      expect(res.body.toString()).toBe('fallback\n');
    }
  });
});

describe('git that cannot run', () => {
  it('answers 500 with a generic body and logs why', async () => {
    const broken = await startGitEdge({ gitBin: '/nonexistent/bin/git' });
    try {
      const upstream = await workTree(broken.base, 'upstream', 1);
      await seedRepo(broken, 'alice', 'demo', upstream);
      broken.authorizer.publicRepos.add('alice/demo');
      for (const [method, p, body] of [
        ['GET', '/alice/demo.git/info/refs?service=git-upload-pack', undefined],
        ['POST', '/alice/demo.git/git-upload-pack', '0000'],
      ] as const) {
        const res = await request(broken, method, p, {
          headers: { 'Content-Type': 'application/x-git-upload-pack-request' },
          body,
        });
        expect(res.status).toBe(500);
        expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
        expect(res.body.toString()).toBe('Internal Server Error\n');
      }
      await broken.operations.idle();
      expect(broken.logs.filter((l) => l.msg === 'git could not be started')).toHaveLength(2);
      expect(JSON.stringify(broken.logs)).toContain('ENOENT');
    } finally {
      await broken.close();
    }
  });

  it('passes an in-band git error through (ERR pkt-line) and logs the exit', async () => {
    const res = await request(edge, 'POST', '/alice/public.git/git-upload-pack', {
      headers: { 'Content-Type': 'application/x-git-upload-pack-request' },
      body: pkt('want 0000000000000000000000000000000000000001\n') + '0000' + pkt('done\n'),
    });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toContain('ERR upload-pack: not our ref');
    await edge.operations.idle();
    const failed = edge.logs.find((l) => l.msg === 'git failed' && l.gitService === 'git-upload-pack');
    expect(failed).toMatchObject({ exitCode: 128, stderr: expect.stringContaining('not our ref') });
  });

  // Found by the fuzz suite: git dying on a malformed request body was answered 500.
  it('answers 400 when git refuses a request body before its first byte', async () => {
    // 0002 (response-end) in a v2 request makes git 2.39 abort in a BUG().
    for (const [body, gitProtocol] of [['0004', 'version=2'], ['0002', 'version=2'], ['zzzz', undefined], ['0009hello0000', undefined]] as const) {
      const res = await request(edge, 'POST', '/alice/public.git/git-upload-pack', {
        headers: { 'Content-Type': 'application/x-git-upload-pack-request', ...(gitProtocol ? { 'Git-Protocol': gitProtocol } : {}) },
        body,
      });
      expect(res.status, body).toBe(400);
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(res.body.toString()).toBe('Bad Request: git refused the request\n');
    }
    await edge.operations.idle();
    expect(edge.logs.filter((l) => l.msg === 'git failed' && (l.exitCode === 128 || l.signal === 'SIGABRT')).length).toBeGreaterThanOrEqual(4);
  });

  it('answers 500 when git fails before its first byte (corrupt repository)', async () => {
    const repoPath = await edge.store.create('alice', 'corrupt');
    fs.writeFileSync(path.join(repoPath, 'HEAD'), 'garbage\n');
    edge.authorizer.publicRepos.add('alice/corrupt');
    const res = await request(edge, 'GET', '/alice/corrupt.git/info/refs?service=git-upload-pack');
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.body.toString()).toBe('Internal Server Error\n');
    await edge.operations.idle();
    const failed = edge.logs.find((l) => l.msg === 'git failed' && String(l.repoPath).endsWith('corrupt.git'));
    expect(failed).toMatchObject({ exitCode: 128, stderr: expect.any(String) });
  });
});
