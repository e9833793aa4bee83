/**
 * Protocol v2 `info/refs` from the GitAnswerCache, over HTTP: the
 * same bytes git sends, git not run again, configuration changes seen at
 * once, and authorization still first.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GIT_PATH, gitEnvironment } from '../../src/git/git-env.js';
import { basic, git, gitOk, request, seedRepo, startGitEdge, workTree, repoUrl, type GitEdge } from './harness.js';

const run = promisify(execFile);
const INFO_REFS = '/alice/private.git/info/refs?service=git-upload-pack';
const V2 = { 'Git-Protocol': 'version=2' };
let edge: GitEdge;
let repoPath: string;

beforeAll(async () => {
  edge = await startGitEdge();
  repoPath = await seedRepo(edge, 'alice', 'private', await workTree(edge.base, 'upstream', 2));
  edge.authorizer.accounts.set('alice', { password: 'tok', kind: 'token', access: { 'alice/private': 'write' } });
});

afterAll(async () => {
  await edge.close();
});

/** git's own answer, run as the edge runs it (same environment, same arguments). */
async function gitsAnswer(): Promise<Buffer> {
  const { stdout } = await run('git', ['upload-pack', '--stateless-rpc', '--advertise-refs', repoPath], {
    cwd: repoPath,
    env: gitEnvironment({ path: DEFAULT_GIT_PATH, home: os.tmpdir(), gitProtocol: 'version=2' }),
    encoding: 'buffer',
  });
  return stdout;
}

const gitRuns = (): number => edge.logs.filter((l) => l.msg === 'git finished').length;

describe('protocol v2 info/refs', () => {
  it('sends exactly the bytes git sends, with http-backend headers, and runs no git for repeats', async () => {
    const expected = await gitsAnswer();
    const before = gitRuns();
    for (let i = 0; i < 3; i++) {
      const res = await request(edge, 'GET', INFO_REFS, { headers: { ...V2, ...basic('alice', 'tok') } });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/x-git-upload-pack-advertisement');
      expect(res.headers['cache-control']).toBe('no-cache, max-age=0, must-revalidate');
      expect(res.headers['content-length']).toBe(String(expected.length));
      expect(res.body.equals(expected)).toBe(true);
    }
    expect(gitRuns()).toBe(before);
  });

  it('authorizes every request even when the answer is cached', async () => {
    await request(edge, 'GET', INFO_REFS, { headers: { ...V2, ...basic('alice', 'tok') } });
    const calls = edge.authorizer.calls.length;
    const anonymous = await request(edge, 'GET', INFO_REFS, { headers: V2 });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.toString()).not.toContain('version 2');
    const wrong = await request(edge, 'GET', INFO_REFS, { headers: { ...V2, ...basic('alice', 'not-the-token') } });
    expect(wrong.status).toBe(401);
    expect(edge.authorizer.calls.length).toBe(calls + 2);
  });

  it('answers with the new capabilities right after the repository configuration changes', async () => {
    await request(edge, 'GET', INFO_REFS, { headers: { ...V2, ...basic('alice', 'tok') } });
    await gitOk(['config', 'uploadpack.allowFilter', 'true'], repoPath);
    const res = await request(edge, 'GET', INFO_REFS, { headers: { ...V2, ...basic('alice', 'tok') } });
    expect(res.body.toString()).toContain('fetch=shallow wait-for-done filter\n');
    expect(res.body.equals(await gitsAnswer())).toBe(true);
    const partial = await git(['clone', '--quiet', '--bare', '--filter=blob:none', repoUrl(edge, 'alice/private.git', 'alice', 'tok'), `${edge.base}/partial.git`], edge.base);
    expect(partial.stderr).not.toContain('filtering not recognized');
    expect(partial.code).toBe(0);
  });

  it('serves v2 clones and ls-remote end to end', async () => {
    const url = repoUrl(edge, 'alice/private.git', 'alice', 'tok');
    const lsRemote = await gitOk(['-c', 'protocol.version=2', 'ls-remote', url], edge.base);
    expect(lsRemote).toContain('refs/heads/main');
    await gitOk(['-c', 'protocol.version=2', 'clone', '--quiet', '--bare', url, `${edge.base}/v2-clone.git`], edge.base);
    expect(await gitOk(['rev-parse', 'refs/heads/main'], `${edge.base}/v2-clone.git`)).toBe(await gitOk(['rev-parse', 'refs/heads/main'], repoPath));
  });
});
