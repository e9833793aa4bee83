import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidPathSegment } from '../../src/lib/path-segment.js';
import { gitOk, request, seedRepo, startGitEdge, workTree, type GitEdge } from './harness.js';

let edge: GitEdge;
let outside: string;

beforeAll(async () => {
  edge = await startGitEdge();
  // Even an authorizer that allows everything must not open a door out of the root.
  edge.authorizer.allowAll = true;
  const upstream = await workTree(edge.base, 'upstream', 1);
  await seedRepo(edge, 'alice', 'demo', upstream);
  // A bare repository outside the root, reachable only through symlinks.
  outside = path.join(edge.base, 'outside');
  fs.mkdirSync(outside);
  await gitOk(['clone', '-q', '--bare', upstream, path.join(outside, 'secret.git')], edge.base);
  fs.symlinkSync(path.join(outside, 'secret.git'), path.join(edge.reposRoot, 'alice', 'link.git'));
  fs.symlinkSync(outside, path.join(edge.reposRoot, 'evil'));
});

afterAll(async () => {
  await edge.close();
});

const svc = '/info/refs?service=git-upload-pack';

describe('path traversal', () => {
  it.each([
    `/alice/..${svc}`,
    `/../alice/demo.git${svc}`,
    `/alice/../alice/demo.git${svc}`,
    `/alice/%2e%2e${svc}`,
    `/%2e%2e/alice/demo.git${svc}`,
    `/alice/%2e%2e%2fdemo.git${svc}`,
    `/alice%2fdemo/x.git${svc}`,
    `/alice/demo%2f..%2f..%2foutside%2fsecret.git${svc}`,
    `/alice/%2E%2E%2F%2E%2E%2Foutside%2Fsecret.git${svc}`,
    `/alice/..%5c..%5coutside%5csecret.git${svc}`,
    `/alice/demo%5c.git${svc}`,
    `/alice\\..\\demo.git${svc}`,
    `//etc/passwd.git${svc}`,
    `/%2fetc/passwd.git${svc}`,
    `/alice/%2ftmp%2fx.git${svc}`,
    `/alice/demo%00.git${svc}`,
    `/alice/.git${svc}`,
    `/alice/.${svc}`,
    `/./alice/demo.git${svc}`,
    `/alice/demo.git.git${svc}`,
    `/alice/demo.git%20${svc}`,
    `/alice/%zz.git${svc}`,
    `/alice/demo.git/../demo.git${svc}`,
    `/alice/sub/demo.git${svc}`,
    // Symlinks out of the root, through the repository and through the namespace.
    `/alice/link.git${svc}`,
    `/evil/secret.git${svc}`,
    `/alice/link/git-upload-pack`,
    `/evil/secret/git-receive-pack`,
  ])('%s → 404, nothing spawned', async (rawPath) => {
    const method = rawPath.includes('?') ? 'GET' : 'POST';
    const service = rawPath.endsWith('git-receive-pack') ? 'git-receive-pack' : 'git-upload-pack';
    const res = await request(edge, method, rawPath, {
      headers: { 'Content-Type': `application/x-${service}-request` },
      body: method === 'POST' ? '0000' : undefined,
    });
    expect(res.status).toBe(404);
    expect(res.body.toString()).not.toContain('refs/heads');
    expect(edge.operations.active).toBe(0);
    expect(edge.logs.filter((l) => l.msg === 'git finished' || l.msg === 'git failed')).toEqual([]);
  });

  it('only ever asks the authorizer about valid segments', () => {
    for (const call of edge.authorizer.calls) {
      expect(isValidPathSegment(call.namespace) && isValidPathSegment(call.project)).toBe(true);
    }
    // The symlinked ones were asked about (valid names) and refused by the store.
    expect(edge.authorizer.calls.map((c) => `${c.namespace}/${c.project}`)).toEqual(
      expect.arrayContaining(['alice/link', 'evil/secret']),
    );
  });

  it('still serves the real repository', async () => {
    const res = await request(edge, 'GET', `/alice/demo.git${svc}`);
    expect(res.status).toBe(200);
  });
});
