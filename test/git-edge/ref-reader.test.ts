/**
 * RefReader against real repositories: what for-each-ref says of branches
 * and tags, how many git processes a question costs (a fixed number, not
 * one per ref), and that the environment and launcher are the backend's.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnDirect, type GitCommand, type GitLauncher } from '../../src/git/git-child.js';
import { DEFAULT_GIT_PATH } from '../../src/git/git-env.js';
import { RefReader } from '../../src/git/ref-reader.js';
import { UnavailableError } from '../../src/lib/errors.js';
import { gitOk, tempDir } from '../support/git-cli.js';

/** Starts git like spawnDirect, keeping every command it was given. */
class RecordingLauncher implements GitLauncher {
  readonly commands: GitCommand[] = [];
  launch(command: GitCommand) {
    this.commands.push(command);
    return spawnDirect(command);
  }
}

const at = (iso: string) => ({ GIT_AUTHOR_DATE: iso, GIT_COMMITTER_DATE: iso });

describe('RefReader', () => {
  let repo: string;
  let launcher: RecordingLauncher;
  let reader: RefReader;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const work = tempDir('gitgate-refs-');
    repo = path.join(tempDir('gitgate-refs-bare-'), 'r.git');
    await gitOk(['init', '-q', '-b', 'main', work]);
    await gitOk(['-C', work, 'commit', '-q', '--allow-empty', '-m', 'first'], { env: at('2024-01-02T03:04:05+02:00') });
    ids.first = (await gitOk(['-C', work, 'rev-parse', 'HEAD'])).trim();
    const message = 'second: ünïcode\n\nBody with a NUL-free but odd \u0001 byte.\n\nSigned-off-by: A <a@example.test>\nCo-authored-by: B <b@example.test>\nSigned-off-by: C <c@example.test>\n';
    await gitOk(['-C', work, 'commit', '-q', '--allow-empty', '--cleanup=verbatim', '-m', message], {
      env: { ...at('2024-02-03T04:05:06-07:00'), GIT_AUTHOR_NAME: 'Ann Author', GIT_AUTHOR_EMAIL: 'ann@example.test' },
    });
    ids.second = (await gitOk(['-C', work, 'rev-parse', 'HEAD'])).trim();
    await gitOk(['-C', work, 'branch', 'old', ids.first]);
    for (let i = 0; i < 30; i++) await gitOk(['-C', work, 'branch', `many/b${String(i).padStart(2, '0')}`]);
    await gitOk(['-C', work, 'tag', 'light', ids.first]);
    await gitOk(['-C', work, 'tag', '-a', '-m', 'Release one\n\nNotes.', 'v1', ids.second], { env: at('2024-03-04T05:06:07+00:00') });
    const blob = (await gitOk(['-C', work, 'hash-object', '-w', '--stdin'], {})).trim();
    await gitOk(['-C', work, 'tag', 'blob-tag', blob]);
    await gitOk(['clone', '-q', '--mirror', work, repo]);
    launcher = new RecordingLauncher();
    reader = new RefReader({ gitBin: 'git', envPath: DEFAULT_GIT_PATH, homeDir: os.tmpdir(), stderrLimitBytes: 8192, timeoutMs: 30_000, launcher });
  });
  afterAll(() => fs.rmSync(path.dirname(repo), { recursive: true, force: true }));

  it('lists branches in the order asked, then by name', async () => {
    const names = (await reader.list(repo, 'branches', 'refname')).map((r) => r.refname);
    expect(names[0]).toBe('refs/heads/main');
    expect(names).toHaveLength(32);
    expect(names.slice(1, 3)).toEqual(['refs/heads/many/b00', 'refs/heads/many/b01']);
    const byDate = await reader.list(repo, 'branches', 'committerdate');
    expect(byDate[0]).toEqual({ refname: 'refs/heads/old', objectId: ids.first });
    expect(byDate.slice(1, 3).map((r) => r.refname)).toEqual(['refs/heads/main', 'refs/heads/many/b00']);
  });

  it("describes a branch's commit: authors, dates with their offsets, parents, message and trailers", async () => {
    const found = await reader.details(repo, ['refs/heads/main', 'refs/heads/nope', 'refs/heads/many']);
    expect([...found.keys()]).toEqual(['refs/heads/main']);
    expect(found.get('refs/heads/main')).toEqual({
      refname: 'refs/heads/main',
      objectId: ids.second,
      tag: null,
      commit: {
        id: ids.second,
        parentIds: [ids.first],
        authorName: 'Ann Author',
        authorEmail: 'ann@example.test',
        authoredDate: '2024-02-03T04:05:06-07:00',
        committerName: 'Test Author',
        committerEmail: 'author@example.test',
        committedDate: '2024-02-03T04:05:06-07:00',
        message: 'second: ünïcode\n\nBody with a NUL-free but odd \u0001 byte.\n\nSigned-off-by: A <a@example.test>\nCo-authored-by: B <b@example.test>\nSigned-off-by: C <c@example.test>\n',
        trailers: [
          ['Signed-off-by', 'A <a@example.test>'],
          ['Co-authored-by', 'B <b@example.test>'],
          ['Signed-off-by', 'C <c@example.test>'],
        ],
      },
    });
  });

  it('describes annotated, lightweight and non-commit tags', async () => {
    const found = await reader.details(repo, ['refs/tags/v1', 'refs/tags/light', 'refs/tags/blob-tag']);
    const v1 = found.get('refs/tags/v1')!;
    expect(v1.tag).toEqual({ message: 'Release one\n\nNotes.', date: '2024-03-04T05:06:07+00:00' });
    expect(v1.objectId).not.toBe(ids.second);
    expect(v1.commit?.id).toBe(ids.second);
    expect(found.get('refs/tags/light')).toMatchObject({ objectId: ids.first, tag: null, commit: { id: ids.first, parentIds: [] } });
    expect(found.get('refs/tags/blob-tag')).toMatchObject({ tag: null, commit: null });
  });

  it('tells which refs are merged into a commit', async () => {
    const merged = await reader.mergedInto(repo, ids.first, ['refs/heads/main', 'refs/heads/old', 'refs/tags/light']);
    expect([...merged].sort()).toEqual(['refs/heads/old', 'refs/tags/light']);
  });

  it('runs git a fixed number of times, whatever the number of refs, with the fixed environment', async () => {
    const before = launcher.commands.length;
    const listed = await reader.list(repo, 'branches', '-committerdate');
    const names = listed.map((r) => r.refname);
    await Promise.all([reader.details(repo, names), reader.mergedInto(repo, ids.second, names)]);
    const runs = launcher.commands.slice(before);
    expect(runs).toHaveLength(3);
    for (const run of runs) {
      expect(run.args.slice(0, 3)).toEqual(['--git-dir', repo, 'for-each-ref']);
      expect(Object.keys(run.env).sort()).toEqual(['GIT_CONFIG_GLOBAL', 'GIT_CONFIG_NOSYSTEM', 'GIT_TERMINAL_PROMPT', 'HOME', 'LANG', 'LC_ALL', 'PATH']);
    }
    expect(await reader.details(repo, [])).toEqual(new Map());
    expect(launcher.commands.length - before).toBe(3);
  });

  it('fails with UnavailableError when git cannot read the repository', async () => {
    await expect(reader.list(tempDir('gitgate-not-a-repo-'), 'tags', 'refname')).rejects.toBeInstanceOf(UnavailableError);
  });
});
