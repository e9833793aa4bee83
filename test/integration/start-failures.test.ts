/**
 * `gitgate serve` that cannot start exits — non-zero, within seconds, with
 * one line naming the setting to fix — having closed what it opened (a
 * process left alive but not listening is never restarted by a supervisor).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { tempDir } from '../support/git-cli.js';
import { closedPort, holdPort, serveEnv, startServe, type Exit, type ServeProcess } from '../support/serve-process.js';

/** Long enough for a start on a busy machine; a process that hangs is far beyond it. */
const EXIT_WITHIN_MS = 20_000;
const LEFT_OPEN = 'something was left open';

const started: ServeProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop()));
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs serve with `env` and returns how it exited (null: still running after EXIT_WITHIN_MS) and its last line. */
async function failingStart(env: Record<string, string>): Promise<{ exit: Exit | null; line: string; stderr: string }> {
  const proc = startServe(serveEnv(env));
  started.push(proc);
  const exit = await proc.exitWithin(EXIT_WITHIN_MS);
  const stderr = proc.stderr();
  const lines = stderr.trim().split('\n');
  return { exit, line: lines[lines.length - 1] ?? '', stderr };
}

function dataDir(): string {
  const dir = path.join(tempDir('gitgate-start-'), 'data');
  cleanups.push(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));
  return dir;
}

async function postgres(): Promise<TestDatabase & { url: string }> {
  const db = await createTestDatabase('postgres');
  cleanups.push(() => db.drop());
  return { ...db, url: (db.config as { url: string }).url };
}

describe('gitgate serve that cannot start', () => {
  it('exits naming PORT when the HTTP port is in use, with Redis configured (and unreachable)', async () => {
    const held = await holdPort();
    cleanups.push(() => held.close());
    const { exit, line, stderr } = await failingStart({
      GITGATE_DATA_DIR: dataDir(),
      PORT: String(held.port),
      REDIS_URL: `redis://127.0.0.1:${await closedPort()}`,
    });
    expect(exit, stderr).toEqual({ code: 1, signal: null });
    expect(line).toBe(`gitgate: 127.0.0.1:${held.port} is already in use: stop what listens there, or choose another PORT`);
    expect(stderr).not.toContain(LEFT_OPEN);
  });

  it('exits naming GITGATE_SSH_PORT when the SSH port is in use, closing the PostgreSQL pool', async () => {
    const [held, db] = [await holdPort(), await postgres()];
    cleanups.push(() => held.close());
    const { exit, line, stderr } = await failingStart({
      GITGATE_DATA_DIR: dataDir(),
      DATABASE_URL: db.url,
      GITGATE_SSH_PORT: String(held.port),
      GITGATE_SSH_HOST: '127.0.0.1',
    });
    expect(exit, stderr).toEqual({ code: 1, signal: null });
    expect(line).toBe(`gitgate: 127.0.0.1:${held.port} is already in use: stop what listens there, or choose another GITGATE_SSH_PORT`);
    expect(stderr).not.toContain(LEFT_OPEN);
  });

  it('exits naming DATABASE_URL, without its password, when PostgreSQL is unreachable', async () => {
    const port = await closedPort();
    const { exit, line } = await failingStart({ GITGATE_DATA_DIR: dataDir(), DATABASE_URL: `postgres://gitgate:s3cret@127.0.0.1:${port}/gitgate` });
    expect(exit).toEqual({ code: 1, signal: null });
    expect(line).toBe(
      `gitgate: cannot use the PostgreSQL database postgres://gitgate:***@127.0.0.1:${port}/gitgate: connect ECONNREFUSED 127.0.0.1:${port} (check DATABASE_URL)`,
    );
  });

  it.each([
    ['missing', () => '/nonexistent/bin/git', /\/nonexistent\/bin\/git --version failed: ENOENT/],
    ['broken', (dir: string) => script(dir, 'echo "git: error while loading shared libraries: libpcre2-8.so.0" >&2; exit 127'), /--version failed: git: error while loading shared libraries/],
    ['too old', (dir: string) => script(dir, 'echo "git version 2.25.1"'), /is git 2\.25\.1; gitgate needs git 2\.32 or newer/],
  ])('exits naming GITGATE_GIT_BIN when git is %s, before creating anything', async (_kind, gitBin, reason) => {
    const data = dataDir();
    const bin = gitBin(path.dirname(data));
    const { exit, line } = await failingStart({ GITGATE_DATA_DIR: data, GITGATE_GIT_BIN: bin });
    expect(exit).toEqual({ code: 1, signal: null });
    expect(line).toMatch(/^gitgate: git is not usable: /);
    expect(line).toMatch(reason);
    expect(line).toContain(`set GITGATE_GIT_BIN (now "${bin}")`);
    expect(fs.existsSync(data)).toBe(false);
  });

  it('names the SQLite file when the database cannot be written', async () => {
    const data = dataDir();
    const first = startServe(serveEnv({ GITGATE_DATA_DIR: data }));
    started.push(first);
    await first.waitFor('gitgate is serving');
    expect(await first.stop()).toEqual({ code: 0, signal: null });
    readOnly(data);
    const { exit, line } = await failingStart({ GITGATE_DATA_DIR: data });
    expect(exit).toEqual({ code: 1, signal: null });
    expect(line).toMatch(new RegExp(`^gitgate: cannot use the SQLite database ${path.join(data, 'gitgate.sqlite3')}: .+ \\(the file and its directory must be writable`));
  });
});

/** An executable shell script standing in for git. */
function script(dir: string, body: string): string {
  const file = path.join(dir, 'fake-git');
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

/**
 * Makes `dir` unwritable (SQLite cannot create its `-wal` file there): mode
 * 0500, or — as root, whom modes do not stop — the immutable attribute,
 * removed again after the test.
 */
function readOnly(dir: string): void {
  if (process.getuid?.() !== 0) {
    fs.chmodSync(dir, 0o500);
    cleanups.push(() => fs.chmodSync(dir, 0o700));
    return;
  }
  execFileSync('chattr', ['+i', dir]);
  cleanups.push(() => {
    execFileSync('chattr', ['-i', dir]);
  });
}
