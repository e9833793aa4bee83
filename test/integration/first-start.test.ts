/**
 * First start creates root once, whatever happens around it: two instances
 * seeding one fresh database at once both start; a generated password is
 * on disk before root exists with it, so it cannot be lost; and the banner
 * says where root's password is on every later start.
 */
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openStores } from '../../src/storage/stores.js';
import { createTestDatabase } from '../support/databases.js';
import { tempDir } from '../support/git-cli.js';
import { serveEnv, startServe, type ServeProcess } from '../support/serve-process.js';

const SECRET = 'a-test-secret-shared-by-both-instances-0123';
const SERVING = 'gitgate is serving';

const started: ServeProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop()));
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function serve(env: Record<string, string>): ServeProcess {
  const proc = startServe(serveEnv(env));
  started.push(proc);
  return proc;
}

function scratch(): string {
  const dir = tempDir('gitgate-first-');
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Whether root signs in with `password` (a registry token request, as `docker login` makes). */
async function rootSignsIn(port: number, password: string): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}/jwt/auth?service=container_registry`, {
    headers: { authorization: `Basic ${Buffer.from(`root:${password}`).toString('base64')}` },
  });
  return res.status === 200;
}

const passwordIn = (file: string): string => fs.readFileSync(file, 'utf8').replace(/\n$/, '');

describe('first start', () => {
  it('lets two instances seed one fresh PostgreSQL database at the same moment: both serve, root has the password on disk', async () => {
    const db = await createTestDatabase('postgres');
    cleanups.push(() => db.drop());
    const url = (db.config as { url: string }).url;
    await (await openStores(db.config)).close();
    // Hold every insert into users until both instances are about to create root.
    const blocker = new pg.Client({ connectionString: url });
    await blocker.connect();
    cleanups.push(() => blocker.end());
    await blocker.query('begin');
    await blocker.query('lock table users in share row exclusive mode');

    const base = scratch();
    const instances = ['a', 'b'].map((name) => {
      // Data directories of their own, but what an installation's instances must share is shared (see installation-fingerprints.test.ts).
      const env = {
        GITGATE_DATA_DIR: path.join(base, name),
        GITGATE_REPOS_DIR: path.join(base, 'repos'),
        DATABASE_URL: url,
        GITGATE_SECRET: SECRET,
        GITGATE_REGISTRY_KEY_FILE: path.join(base, 'registry', 'key.pem'),
        GITGATE_REGISTRY_CERT_FILE: path.join(base, 'registry', 'cert.pem'),
        GITGATE_REGISTRY_CERT_BUNDLE_FILE: path.join(base, 'registry', 'bundle.pem'),
      };
      return { dataDir: env.GITGATE_DATA_DIR, env };
    });
    const procs = instances.map((i) => serve(i.env));
    await waitForLockWaiters(blocker, 2);
    await blocker.query('commit');

    await Promise.all(procs.map((p) => p.waitFor(SERVING)));
    const files = instances.map((i) => path.join(i.dataDir, 'initial_root_password')).filter((f) => fs.existsSync(f));
    expect(files).toHaveLength(1);
    expect(await rootSignsIn(await procs[0]!.port(), passwordIn(files[0]!))).toBe(true);
    expect(procs.map((p) => p.stderr()).join('')).not.toMatch(/already been taken/);
  }, 60_000);

  it('does not create root when the password file cannot be written, and creates it on the next start', async () => {
    const data = path.join(scratch(), 'data');
    const file = path.join(data, 'initial_root_password');
    fs.mkdirSync(file, { recursive: true });
    const failed = serve({ GITGATE_DATA_DIR: data });
    expect(await failed.exitWithin(20_000)).toEqual({ code: 1, signal: null });
    expect(failed.stderr().trim().split('\n').at(-1)).toBe(
      `gitgate: the root password file ${file} cannot be read (EISDIR); root was not created. Fix it (it is in GITGATE_DATA_DIR) or set GITGATE_ROOT_PASSWORD`,
    );
    expect(rootsIn(path.join(data, 'gitgate.sqlite3'))).toBe(0);

    fs.rmdirSync(file);
    const second = serve({ GITGATE_DATA_DIR: data });
    await second.waitFor(SERVING);
    expect(second.stderr()).toContain(`root password: written once to ${file}`);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(await rootSignsIn(await second.port(), passwordIn(file))).toBe(true);
  });

  it('uses the password file an interrupted first start left, rather than losing it', async () => {
    const data = path.join(scratch(), 'data');
    fs.mkdirSync(data, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(data, 'initial_root_password'), 'left-by-a-start-that-died\n', { mode: 0o600 });
    const proc = serve({ GITGATE_DATA_DIR: data });
    await proc.waitFor(SERVING);
    expect(await rootSignsIn(await proc.port(), 'left-by-a-start-that-died')).toBe(true);
  });

  it('creates a missing data directory before root, on PostgreSQL with GITGATE_SECRET set', async () => {
    const db = await createTestDatabase('postgres');
    cleanups.push(() => db.drop());
    const data = path.join(scratch(), 'not', 'there', 'yet');
    const proc = serve({ GITGATE_DATA_DIR: data, DATABASE_URL: (db.config as { url: string }).url, GITGATE_SECRET: SECRET });
    await proc.waitFor(SERVING);
    expect(await rootSignsIn(await proc.port(), passwordIn(path.join(data, 'initial_root_password')))).toBe(true);
  });

  it('says on every later start where root\'s password is, or how to set a new one', async () => {
    const data = path.join(scratch(), 'data');
    const file = path.join(data, 'initial_root_password');
    const env = { GITGATE_DATA_DIR: data };
    const restart = async (extra: Record<string, string> = {}): Promise<string> => {
      const proc = serve({ ...env, ...extra });
      await proc.waitFor(SERVING);
      await proc.stop();
      return proc.stderr();
    };
    expect(await restart()).toContain(`root password: written once to ${file}`);
    const again = await restart();
    expect(again).toContain(`root password: generated at first start, in ${file}`);
    expect(again).toContain(`data:           data directory ${data}`);
    expect(again).not.toContain('configured root password');
    fs.rmSync(file);
    expect(await restart()).toContain(`root password: generated when root was created; ${file} is gone (deleted, or root was created by another instance) (forgotten? ./bin/gitgate user set-password root)`);
    expect(await restart({ GITGATE_ROOT_PASSWORD: 'configured-later' })).toContain('root password: GITGATE_ROOT_PASSWORD as it was when root was created, unless changed since');
    // Four starts: over 30 s on a loaded 2-core machine.
  }, 120_000);
});

/** Accounts named root in a SQLite database file. */
function rootsIn(file: string): number {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    return (db.prepare("select count(*) as n from users where username = 'root'").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/**
 * Waits until `n` other sessions of the blocker's database wait for a lock
 * (the held inserts). Its statistics snapshot is per transaction: cleared
 * before each look.
 */
async function waitForLockWaiters(blocker: pg.Client, n: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    await blocker.query('select pg_stat_clear_snapshot()');
    const { rows } = await blocker.query<{ n: string }>(
      "select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike 'insert into \"users\"%'",
    );
    if (Number(rows[0]!.n) >= n) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`fewer than ${n} instances reached the insert of root within 30 s`);
}
