import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  commitFile,
  git,
  gitOk,
  refsOf,
  repoUrl,
  request,
  basic,
  seedRepo,
  startGitEdge,
  workTree,
  type GitEdge,
} from './harness.js';

let edge: GitEdge;
let repoPath: string;
let work: string;

const origin = (): string => repoUrl(edge, 'alice/demo.git', 'writer', 'glpat-writer');

beforeAll(async () => {
  edge = await startGitEdge();
  const upstream = await workTree(edge.base, 'upstream', 2);
  repoPath = await seedRepo(edge, 'alice', 'demo', upstream);
  edge.authorizer.accounts.set('writer', { password: 'glpat-writer', kind: 'token', access: { 'alice/demo': 'write' } });
  work = path.join(edge.base, 'work');
  await gitOk(['clone', '-q', origin(), work], edge.base);
});

afterAll(async () => {
  await edge.close();
});

describe('push', () => {
  it('pushes a new branch and a new tag', async () => {
    await gitOk(['checkout', '-q', '-b', 'feature'], work);
    const sha = await commitFile(work, 'feature.txt', 'feature\n');
    await gitOk(['tag', '-a', '-m', 'v1', 'v1.0.0'], work);
    await gitOk(['push', '-q', 'origin', 'feature', 'v1.0.0'], work);
    expect(await gitOk(['rev-parse', 'refs/heads/feature'], repoPath)).toBe(sha);
    expect(await gitOk(['rev-parse', 'v1.0.0^{commit}'], repoPath)).toBe(sha);
    await gitOk(['fsck', '--no-progress'], repoPath);
  });

  it('pushes a >1 MiB incompressible commit in chunks, after the 4-byte probe', async () => {
    await gitOk(['checkout', '-q', 'main'], work);
    const sha = await commitFile(work, 'random.bin', randomBytes(3 * 1024 * 1024));
    const before = edge.seen.length;
    await gitOk(['-c', 'http.postBuffer=65536', 'push', '-q', 'origin', 'main'], work);
    expect(await gitOk(['rev-parse', 'main'], repoPath)).toBe(sha);
    const posts = edge.seen.slice(before).filter((s) => s.method === 'POST' && s.path.endsWith('/git-receive-pack'));
    // The probe (Content-Length 4) then the chunked pack.
    expect(posts.length).toBe(2);
    expect(posts[1]!.transferEncoding).toBe('chunked');
    await gitOk(['fsck', '--no-progress'], repoPath);
  });

  it('answers the probe POST itself with an empty 200', async () => {
    const res = await request(edge, 'POST', '/alice/demo.git/git-receive-pack', {
      headers: { 'Content-Type': 'application/x-git-receive-pack-request', ...basic('writer', 'glpat-writer') },
      body: '0000',
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-git-receive-pack-result');
    expect(res.body.length).toBe(0);
  });

  it('refuses a force-push when the repository denies non-fast-forwards', async () => {
    await gitOk(['config', 'receive.denyNonFastForwards', 'true'], repoPath);
    const refs = await refsOf(repoPath);
    await gitOk(['reset', '-q', '--hard', 'HEAD~1'], work);
    await commitFile(work, 'rewrite.txt', 'history rewritten\n');
    const r = await git(['push', '--force', 'origin', 'main'], work);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/non-fast-forward/);
    expect(await refsOf(repoPath)).toBe(refs);
  });
});

describe('git environment', () => {
  it('gives hooks a minimal environment without application secrets', async () => {
    const dump = path.join(edge.base, 'hook-env.txt');
    const hook = path.join(repoPath, 'hooks', 'pre-receive');
    fs.writeFileSync(hook, `#!/bin/sh\nenv > '${dump}'\ncat >/dev/null\n`, { mode: 0o755 });
    process.env.GITGATE_SECRET = 'must-not-leak-to-git';
    try {
      await gitOk(['checkout', '-q', '-b', 'env-check'], work);
      await commitFile(work, 'env.txt', 'env\n');
      await gitOk(['push', '-q', 'origin', 'env-check'], work);
    } finally {
      delete process.env.GITGATE_SECRET;
      fs.rmSync(hook);
    }
    const env = fs.readFileSync(dump, 'utf8');
    expect(env).not.toContain('must-not-leak-to-git');
    expect(env).not.toMatch(/^(GITGATE_|DATABASE_URL|REDIS_URL|VITEST)/m);
    expect(env).toMatch(/^GIT_CONFIG_GLOBAL=\/dev\/null$/m);
    expect(env).toMatch(/^GIT_CONFIG_NOSYSTEM=1$/m);
    expect(env).toMatch(/^GIT_TERMINAL_PROMPT=0$/m);
  });
});
