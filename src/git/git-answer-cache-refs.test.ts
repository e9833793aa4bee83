/**
 * GitAnswerCache for the answers that list refs: the protocol v0/v1
 * `info/refs` advertisement and protocol v2 `ls-refs`. Every answer is
 * compared with what git itself writes at that moment.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { GitAnswerCache, type GitQuestion } from './git-answer-cache.js';
import { DEFAULT_GIT_PATH, gitEnvironment } from './git-env.js';
import { encodePktLine, FLUSH_PKT } from './pkt-line.js';
import { RefStates } from './ref-state.js';
import { useScratchGit } from '../../test/support/scratch-git.js';

const run = promisify(execFile);
const scratch = useScratchGit('gitgate-answers-');
const { git, env } = scratch;
let counter = 0;

/** A bare repository with two branches, an annotated and a lightweight tag. */
async function repoWithHistory(): Promise<{ repo: string; commits: string[] }> {
  const repo = path.join(scratch.base, `repo-${++counter}.git`);
  await run('git', ['init', '--bare', '--quiet', '--initial-branch=main', repo], { env: env() });
  const tree = await git(repo, 'hash-object', '-w', '-t', 'tree', '/dev/null');
  const commits: string[] = [];
  for (let i = 0; i < 3; i++) {
    commits.push(await git(repo, 'commit-tree', tree, '-m', `c${i}`, ...(i > 0 ? ['-p', commits[i - 1]!] : [])));
  }
  await git(repo, 'update-ref', 'refs/heads/main', commits[2]!);
  await git(repo, 'update-ref', 'refs/heads/topic', commits[1]!);
  await git(repo, 'tag', '-a', 'v1', '-m', 'release', commits[0]!);
  await git(repo, 'tag', 'light', commits[1]!);
  return { repo, commits };
}

/** A cache whose ref states are always settled (a clock far ahead), so every answer is stored. */
function settledCache(maxAnswerBytes?: number): GitAnswerCache {
  return new GitAnswerCache({
    gitBin: 'git',
    envPath: DEFAULT_GIT_PATH,
    homeDir: scratch.base,
    stderrLimitBytes: 4096,
    timeoutMs: 10_000,
    maxAnswerBytes,
    refStates: new RefStates(512, 2000, () => Date.now() + 60_000),
  });
}

function lsRefs(...args: string[]): Buffer {
  return Buffer.concat([
    encodePktLine('command=ls-refs\n'),
    encodePktLine('agent=git/2.39.5\n'),
    encodePktLine('object-format=sha1\n'),
    Buffer.from('0001'),
    ...args.map((a) => encodePktLine(`${a}\n`)),
    FLUSH_PKT,
  ]);
}

/** What git itself answers, run exactly as the gateway runs it. */
async function gitsAnswer(repo: string, question: GitQuestion): Promise<Buffer> {
  const args = ['upload-pack', '--stateless-rpc', ...(question.kind === 'advertisement' ? ['--advertise-refs'] : []), repo];
  const child = execFile('git', args, { cwd: repo, env: gitEnvironment({ path: DEFAULT_GIT_PATH, home: scratch.base, gitProtocol: question.gitProtocol }), encoding: 'buffer' });
  const chunks: Buffer[] = [];
  child.stdout!.on('data', (c: Buffer) => chunks.push(c));
  child.stdin!.end(question.kind === 'ls-refs' ? question.request : undefined);
  await new Promise((resolve) => child.on('close', resolve));
  return Buffer.concat(chunks);
}

const V0: GitQuestion = { kind: 'advertisement', gitProtocol: null };
const V1: GitQuestion = { kind: 'advertisement', gitProtocol: 'version=1' };
const LS_ALL: GitQuestion = { kind: 'ls-refs', gitProtocol: 'version=2', request: lsRefs('peel', 'symrefs', 'unborn') };
const LS_HEADS: GitQuestion = { kind: 'ls-refs', gitProtocol: 'version=2', request: lsRefs('symrefs', 'ref-prefix HEAD', 'ref-prefix refs/heads/') };

async function expectGitsAnswer(c: GitAnswerCache, repo: string, question: GitQuestion): Promise<Buffer> {
  const answer = await c.answer(repo, question);
  expect(answer).not.toBeNull();
  expect(answer!.toString()).toBe((await gitsAnswer(repo, question)).toString());
  return answer!;
}

describe('GitAnswerCache: answers that list refs', () => {
  it.each([
    ['v0 info/refs', V0],
    ['v1 info/refs', V1],
    ['v2 ls-refs with peel, symrefs and unborn', LS_ALL],
    ['v2 ls-refs of HEAD and branches', LS_HEADS],
  ])('answers %s byte for byte as git does, and runs git once', async (_name, question) => {
    const { repo } = await repoWithHistory();
    const c = settledCache();
    const first = await expectGitsAnswer(c, repo, question);
    const second = await c.answer(repo, question);
    expect(second!.equals(first)).toBe(true);
    expect(c.stats).toEqual({ hits: 1, fills: 1, unsettled: 0, bypasses: 0 });
  });

  it('lists peeled tags and the HEAD symref in v0, and answers for an empty repository as git does', async () => {
    const { repo, commits } = await repoWithHistory();
    const c = settledCache();
    const v0 = (await expectGitsAnswer(c, repo, V0)).toString();
    expect(v0).toContain('symref=HEAD:refs/heads/main');
    expect(v0).toContain(`${commits[0]} refs/tags/v1^{}`);
    const empty = path.join(scratch.base, `empty-${++counter}.git`);
    await run('git', ['init', '--bare', '--quiet', empty], { env: env() });
    await expectGitsAnswer(c, empty, V0);
  });

  it('sees every kind of ref change on the next request', async () => {
    const { repo, commits } = await repoWithHistory();
    const c = settledCache();
    // [change, whether the refs listed change too]
    const changes: Array<[() => Promise<unknown>, boolean]> = [
      [() => git(repo, 'update-ref', 'refs/heads/main', commits[1]!), true],
      [() => git(repo, 'update-ref', 'refs/heads/new', commits[0]!), true],
      [() => git(repo, 'update-ref', '-d', 'refs/heads/topic'), true],
      [() => git(repo, 'tag', '-a', 'v2', '-m', 'again', commits[2]!), true],
      [() => git(repo, 'pack-refs', '--all'), false],
      [() => git(repo, 'update-ref', 'refs/heads/main', commits[2]!), true],
      [() => git(repo, 'symbolic-ref', 'HEAD', 'refs/heads/new'), true],
      [() => git(repo, 'config', 'uploadpack.hideRefs', 'refs/tags/'), true],
    ];
    for (const question of [V0, LS_ALL]) await expectGitsAnswer(c, repo, question);
    for (const [change, listed] of changes) {
      const before = (await c.answer(repo, V0))!.toString();
      await change();
      const after = await expectGitsAnswer(c, repo, V0);
      expect(after.toString() !== before).toBe(listed);
      await expectGitsAnswer(c, repo, LS_ALL);
    }
    expect(c.stats.fills).toBe(2 * (changes.length + 1));
  });

  it('keeps one answer per request: different ls-refs arguments, different answers', async () => {
    const { repo } = await repoWithHistory();
    const c = settledCache();
    const all = await expectGitsAnswer(c, repo, LS_ALL);
    const heads = await expectGitsAnswer(c, repo, LS_HEADS);
    expect(heads.toString()).not.toBe(all.toString());
    expect((await c.answer(repo, LS_ALL))!.equals(all)).toBe(true);
    expect((await c.answer(repo, LS_HEADS))!.equals(heads)).toBe(true);
  });

  it('serves but never stores an answer while the refs are settling, so rapid pushes are never hidden', async () => {
    const { repo, commits } = await repoWithHistory();
    const c = new GitAnswerCache({ gitBin: 'git', envPath: DEFAULT_GIT_PATH, homeDir: scratch.base, stderrLimitBytes: 4096, timeoutMs: 10_000 });
    for (const commit of [commits[0]!, commits[1]!, commits[2]!, commits[0]!]) {
      await git(repo, 'update-ref', 'refs/heads/main', commit);
      const answer = await expectGitsAnswer(c, repo, V0);
      expect(answer.toString()).toContain(`${commit} refs/heads/main`);
    }
    expect(c.stats.fills).toBe(0);
    expect(c.stats.unsettled).toBe(4);
  });

  it('runs git for each concurrent request while the refs are settling, and shares one run once they have settled', async () => {
    const { repo } = await repoWithHistory();
    const settling = new GitAnswerCache({ gitBin: 'git', envPath: DEFAULT_GIT_PATH, homeDir: scratch.base, stderrLimitBytes: 4096, timeoutMs: 10_000 });
    await Promise.all([0, 1, 2].map(() => settling.answer(repo, V0)));
    expect(settling.stats).toEqual({ hits: 0, fills: 0, unsettled: 3, bypasses: 0 });
    const settled = settledCache();
    await Promise.all([0, 1, 2].map(() => settled.answer(repo, V0)));
    expect(settled.stats).toEqual({ hits: 0, fills: 1, unsettled: 0, bypasses: 0 });
  });

  it('declines repositories with more loose refs than it reads per request', async () => {
    const { repo, commits } = await repoWithHistory();
    const c = new GitAnswerCache({
      gitBin: 'git',
      envPath: DEFAULT_GIT_PATH,
      homeDir: scratch.base,
      stderrLimitBytes: 4096,
      timeoutMs: 10_000,
      refStates: new RefStates(8, 2000, () => Date.now() + 60_000),
    });
    for (let i = 0; i < 8; i++) await git(repo, 'update-ref', `refs/heads/b${i}`, commits[0]!);
    expect(await c.answer(repo, V0)).toBeNull();
    expect(c.stats).toEqual({ hits: 0, fills: 0, unsettled: 0, bypasses: 1 });
  });

  it('declines answers longer than its limit, and stops asking git for them', async () => {
    const { repo } = await repoWithHistory();
    const c = settledCache(64);
    expect(await c.answer(repo, V0)).toBeNull();
    expect(await c.answer(repo, V0)).toBeNull();
    expect(c.stats).toEqual({ hits: 0, fills: 0, unsettled: 0, bypasses: 2 });
  });

  it('recognises only a whole ls-refs command as an ls-refs request', () => {
    expect(GitAnswerCache.isLsRefs(lsRefs('peel'))).toBe(true);
    expect(GitAnswerCache.isLsRefs(Buffer.concat([encodePktLine('command=fetch\n'), FLUSH_PKT]))).toBe(false);
    expect(GitAnswerCache.isLsRefs(Buffer.from('0014command=ls-ref'))).toBe(false);
  });

  // Found by the fuzz suite: only the first packet was looked at.
  it('refuses an ls-refs command cut short or followed by anything', () => {
    expect(GitAnswerCache.isLsRefs(Buffer.from('0014command=ls-refs\n000100000004'))).toBe(false);
    expect(GitAnswerCache.isLsRefs(Buffer.from('0014command=ls-refs\n0001'))).toBe(false);
    expect(GitAnswerCache.isLsRefs(Buffer.concat([lsRefs('peel'), Buffer.from('zz')]))).toBe(false);
    expect(GitAnswerCache.isLsRefs(Buffer.concat([lsRefs('peel'), lsRefs('symrefs')]))).toBe(false);
  });
});
