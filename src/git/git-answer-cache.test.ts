import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GIT_PATH, gitEnvironment } from './git-env.js';
import { GitAnswerCache } from './git-answer-cache.js';
import { RefStates } from './ref-state.js';

const run = promisify(execFile);
let base: string;
let counter = 0;

beforeAll(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'gitgate-v2cache-'));
});

afterAll(() => {
  fs.rmSync(base, { recursive: true, force: true });
});

function cache(gitBin = 'git', refStates?: RefStates): GitAnswerCache {
  return new GitAnswerCache({ gitBin, envPath: DEFAULT_GIT_PATH, homeDir: base, stderrLimitBytes: 4096, timeoutMs: 10_000, refStates });
}

function v2ad(gitProtocol: string): { kind: 'advertisement'; gitProtocol: string } {
  return { kind: 'advertisement', gitProtocol };
}

async function bareRepo(...initArgs: string[]): Promise<string> {
  const repo = path.join(base, `repo-${++counter}.git`);
  await run('git', ['init', '--bare', '--quiet', ...initArgs, repo], { env: gitEnvironment({ path: DEFAULT_GIT_PATH, home: base }) });
  return repo;
}

async function gitConfig(repo: string, ...args: string[]): Promise<void> {
  await run('git', ['-C', repo, 'config', ...args], { env: gitEnvironment({ path: DEFAULT_GIT_PATH, home: base }) });
}

/** What git itself answers, run exactly as the gateway runs it. */
async function gitsAnswer(repo: string, gitProtocol = 'version=2', gitBin = 'git'): Promise<Buffer> {
  const { stdout } = await run(gitBin, ['upload-pack', '--stateless-rpc', '--advertise-refs', repo], {
    cwd: repo,
    env: gitEnvironment({ path: DEFAULT_GIT_PATH, home: base, gitProtocol }),
    encoding: 'buffer',
  });
  return stdout;
}

describe('GitAnswerCache: the protocol v2 capability advertisement', () => {
  const configs: Array<[string, string[], Array<[string, string]>]> = [
    ['a default bare repository', [], []],
    ['uploadpack.allowFilter and allowRefInWant', [], [['uploadpack.allowFilter', 'true'], ['uploadpack.allowRefInWant', 'true']]],
    ['uploadpack.allowSidebandAll and blobPackfileUri', [], [['uploadpack.allowSidebandAll', 'true'], ['uploadpack.blobPackfileUri', 'x https://cdn.example.test/p']]],
    ['lsrefs.unborn=ignore', [], [['lsrefs.unborn', 'ignore']]],
    ['a SHA-256 repository', ['--object-format=sha256'], []],
  ];

  it.each(configs)('answers byte for byte what git answers, for %s', async (_name, initArgs, settings) => {
    const repo = await bareRepo(...initArgs);
    for (const [k, v] of settings) await gitConfig(repo, k, v);
    const c = cache();
    const first = await c.answer(repo, v2ad('version=2'));
    const second = await c.answer(repo, v2ad('version=2'));
    const expected = await gitsAnswer(repo);
    expect(first).not.toBeNull();
    expect(first!.equals(expected)).toBe(true);
    expect(second!.equals(expected)).toBe(true);
    expect(c.stats).toEqual({ hits: 1, fills: 1, unsettled: 0, bypasses: 0 });
  });

  it('keys on the exact Git-Protocol value', async () => {
    const repo = await bareRepo();
    const c = cache();
    const withAgent = 'version=2:agent=x';
    expect((await c.answer(repo, v2ad(withAgent)))!.equals(await gitsAnswer(repo, withAgent))).toBe(true);
    expect((await c.answer(repo, v2ad('version=2')))!.equals(await gitsAnswer(repo))).toBe(true);
    expect(c.stats.fills).toBe(2);
  });

  it('follows configuration changes at once', async () => {
    const repo = await bareRepo();
    const c = cache();
    const before = await c.answer(repo, v2ad('version=2'));
    expect(before!.toString()).not.toContain(' filter');
    await gitConfig(repo, 'uploadpack.allowFilter', 'true');
    const after = await c.answer(repo, v2ad('version=2'));
    expect(after!.toString()).toContain('fetch=shallow wait-for-done filter\n');
    expect(after!.equals(await gitsAnswer(repo))).toBe(true);
    await gitConfig(repo, 'uploadpack.allowFilter', 'false');
    const reverted = await c.answer(repo, v2ad('version=2'));
    expect(reverted!.toString()).not.toContain(' filter');
    expect(reverted!.equals(await gitsAnswer(repo))).toBe(true);
    expect(c.stats).toEqual({ hits: 0, fills: 3, unsettled: 0, bypasses: 0 });
  });

  it('shares one answer between repositories with the same configuration', async () => {
    const [a, b] = [await bareRepo(), await bareRepo()];
    const c = cache();
    await c.answer(a, v2ad('version=2'));
    expect((await c.answer(b, v2ad('version=2')))!.equals(await gitsAnswer(b))).toBe(true);
    expect(c.stats).toEqual({ hits: 1, fills: 1, unsettled: 0, bypasses: 0 });
  });

  it('runs git again when the git binary changes (an upgrade)', async () => {
    const bin = path.join(base, 'bin', 'git');
    fs.mkdirSync(path.dirname(bin), { recursive: true });
    fs.copyFileSync((await run('sh', ['-c', 'command -v git'])).stdout.trim(), bin);
    fs.chmodSync(bin, 0o755);
    const repo = await bareRepo();
    const c = cache(bin);
    await c.answer(repo, v2ad('version=2'));
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(bin, later, later);
    expect((await c.answer(repo, v2ad('version=2')))!.equals(await gitsAnswer(repo, 'version=2', bin))).toBe(true);
    expect(c.stats.fills).toBe(2);
  });

  it('declines transfer.advertiseSID: every answer carries a new session id', async () => {
    const repo = await bareRepo();
    await gitConfig(repo, 'transfer.advertiseSID', 'true');
    const c = cache();
    expect(await c.answer(repo, v2ad('version=2'))).toBeNull();
    expect((await gitsAnswer(repo)).toString()).toContain('session-id=');
    expect(c.stats).toEqual({ hits: 0, fills: 0, unsettled: 0, bypasses: 1 });
  });

  it('declines configurations that include other files', async () => {
    const repo = await bareRepo();
    const extra = path.join(base, `extra-${counter}.config`);
    fs.writeFileSync(extra, '[uploadpack]\n\tallowFilter = true\n');
    await gitConfig(repo, 'include.path', extra);
    const c = cache();
    expect(await c.answer(repo, v2ad('version=2'))).toBeNull();
    fs.appendFileSync(repo + '/config', '[includeIf "gitdir:/x/"]\n\tpath = /x\n');
    expect(await c.answer(repo, v2ad('version=2'))).toBeNull();
  });

  it('declines when git fails, so the caller answers the error as usual', async () => {
    const notARepo = path.join(base, `empty-${++counter}`);
    fs.mkdirSync(notARepo);
    fs.writeFileSync(path.join(notARepo, 'config'), '[core]\n\tbare = true\n');
    const c = cache();
    expect(await c.answer(notARepo, v2ad('version=2'))).toBeNull();
    expect(c.stats.fills).toBe(0);
  });

  it('runs git once for concurrent first requests', async () => {
    const repo = await bareRepo();
    const c = cache();
    const answers = await Promise.all(Array.from({ length: 5 }, () => c.answer(repo, v2ad('version=2'))));
    expect(new Set(answers.map((a: Buffer | null) => a!.toString('hex'))).size).toBe(1);
    expect(c.stats.fills).toBe(1);
  });
});
