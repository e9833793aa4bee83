/**
 * The data directory holds password hashes, 2FA seeds, the server secret and
 * private repositories: nothing in it may be readable by other local users,
 * on a fresh install and on one made before the modes were tightened.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../support/gateway.js';
import { authUrl, git, tempDir } from '../support/git-cli.js';

const TIGHTENED = 'removed group and other permissions from private data';

const modeOf = (file: string) => fs.statSync(file).mode & 0o777;

/** The paths that must be private, with the mode each must have. */
function privatePaths(gw: Gateway): [string, number][] {
  const { dataDir, reposDir } = gw.system.config;
  const db = path.join(dataDir, 'gitgate.sqlite3');
  return [
    [dataDir, 0o700],
    [reposDir, 0o700],
    [db, 0o600],
    [`${db}-wal`, 0o600],
    [`${db}-shm`, 0o600],
    [path.join(dataDir, 'secret'), 0o600],
  ];
}

describe('file modes of the data directory', () => {
  let umask: number;
  // The usual umask: without the fixes, everything would be world-readable.
  beforeAll(() => {
    umask = process.umask(0o022);
  });
  afterAll(() => {
    process.umask(umask);
  });

  it('creates a fresh install for its owner only, and git still serves and updates its repositories', async () => {
    const base = tempDir('gitgate-modes-');
    const gw = await startGateway('sqlite', { env: { GITGATE_DATA_DIR: path.join(base, 'data') } });
    try {
      const alice = await gw.createUser('alice');
      const project = await gw.createProject(alice, 'website');
      await gw.seedCommit(project);
      const { token } = await gw.createToken(alice, ['write_repository']);
      for (const [file, mode] of privatePaths(gw)) expect(modeOf(file).toString(8), file).toBe(mode.toString(8));

      const work = tempDir();
      const remote = authUrl(gw.url, 'alice/website.git', 'alice', token);
      expect((await git(['clone', '-q', remote, work])).code).toBe(0);
      fs.writeFileSync(path.join(work, 'more.txt'), 'more\n');
      await git(['-C', work, 'add', '.']);
      await git(['-C', work, 'commit', '-q', '-m', 'more']);
      const pushed = await git(['-C', work, 'push', '-q', 'origin', 'main']);
      expect(pushed.code, pushed.stderr).toBe(0);
      // A shared repository would make git widen the modes of what it writes.
      expect((await git(['-C', gw.repoPath(project), 'config', '--get', 'core.sharedRepository'])).code).toBe(1);
      expect(gw.logs.some((line) => line.includes(TIGHTENED))).toBe(false);
      fs.rmSync(work, { recursive: true, force: true });
    } finally {
      await gw.stop();
      fs.rmSync(base, { recursive: true, force: true });
    }
  });

  it('tightens an existing install at start, and logs what it changed once', async () => {
    const first = await startGateway('sqlite');
    const started: Gateway[] = [];
    try {
      const rootPassword = path.join(first.dataDir, 'initial_root_password');
      fs.writeFileSync(rootPassword, 'from an older version\n', { mode: 0o644 });
      const loose = privatePaths(first);
      for (const [file, mode] of loose) fs.chmodSync(file, mode === 0o700 ? 0o755 : 0o644);
      fs.chmodSync(rootPassword, 0o644);

      const second = await startGateway('sqlite', { shareWith: first });
      started.push(second);
      for (const [file, mode] of [...loose, [rootPassword, 0o600] as [string, number]]) {
        expect(modeOf(file).toString(8), file).toBe(mode.toString(8));
      }
      const lines = second.logs.filter((line) => line.includes(TIGHTENED)).map((line) => JSON.parse(line) as { level: number; paths: { path: string; from: string; to: string }[] });
      expect(lines).toHaveLength(1);
      expect(lines[0]!.level).toBe(30);
      expect(lines[0]!.paths).toEqual(
        expect.arrayContaining([
          { path: first.dataDir, from: '0755', to: '0700' },
          { path: rootPassword, from: '0644', to: '0600' },
          { path: path.join(first.dataDir, 'gitgate.sqlite3-wal'), from: '0644', to: '0600' },
        ]),
      );

      const third = await startGateway('sqlite', { shareWith: first });
      started.push(third);
      expect(third.logs.some((line) => line.includes(TIGHTENED))).toBe(false);
    } finally {
      for (const gw of started) await gw.stop();
      await first.stop();
    }
  });
});
