/**
 * The CLI works on the server's installation or on none: a relative
 * GITGATE_DATA_DIR means the same directory for `serve` and every command,
 * wherever they are started; a command never creates a data directory or a
 * database (only `serve` does); and its errors say where it looked.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/lib/package-root.js';
import { createTestDatabase } from '../support/databases.js';
import { tempDir } from '../support/git-cli.js';
import { runProcess } from '../support/run-process.js';
import { BIN, serveEnv, startServe, type ServeProcess } from '../support/serve-process.js';

describe('the CLI and the installation it works on', () => {
  let base: string;
  let dataDir: string;
  let relative: string;
  let server: ServeProcess;

  beforeAll(async () => {
    base = tempDir('gitgate-cli-data-');
    dataDir = path.join(base, 'data');
    relative = path.relative(PACKAGE_ROOT, dataDir);
    expect(path.isAbsolute(relative)).toBe(false);
    const elsewhere = path.join(base, 'server-cwd');
    fs.mkdirSync(elsewhere);
    server = startServe(serveEnv({ GITGATE_DATA_DIR: relative }), { cwd: elsewhere });
    await server.waitFor('gitgate is serving');
  });
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(base, { recursive: true, force: true });
  });

  /** The CLI with `env`, started in a directory of its own. */
  const cli = (args: string[], env: Record<string, string>, input?: string) => {
    const cwd = tempDir('gitgate-cli-cwd-');
    return runProcess(BIN, args, { env: serveEnv(env), cwd, input }).finally(() => fs.rmSync(cwd, { recursive: true, force: true }));
  };

  it('resolves a relative GITGATE_DATA_DIR against gitgate\'s directory for serve and the CLI alike', async () => {
    expect(server.stderr()).toContain(`data:           data directory ${dataDir}`);
    const created = await cli(['token', 'create', '--user', 'root', '--name', 'laptop', '--scopes', 'read_repository'], { GITGATE_DATA_DIR: relative });
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^token: glpat-/m);
  });

  it('refuses to create a data directory, and says where it looked and what to set', async () => {
    const missing = path.join(base, 'typo');
    const result = await cli(['user', 'create', '--username', 'alice', '--password-stdin'], { GITGATE_DATA_DIR: missing }, 'alice-password\n');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `gitgate: there is no data directory ${missing}: not a gitgate installation, and only \`gitgate serve\` creates one. Set GITGATE_DATA_DIR (and DATABASE_URL, GITGATE_SECRET) as the server has them (relative paths are relative to ${PACKAGE_ROOT})\n`,
    );
    expect(fs.existsSync(missing)).toBe(false);
  });

  it('refuses a data directory without a database', async () => {
    const empty = path.join(base, 'empty');
    fs.mkdirSync(empty);
    fs.writeFileSync(path.join(empty, 'secret'), 'a-secret-that-is-long-enough-for-gitgate\n', { mode: 0o600 });
    const result = await cli(['token', 'list', '--user', 'root'], { GITGATE_DATA_DIR: empty });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^gitgate: there is no database at ${path.join(empty, 'gitgate.sqlite3')}: not a gitgate installation`));
    expect(fs.readdirSync(empty)).toEqual(['secret']);
  });

  it('refuses a PostgreSQL database gitgate never set up, and leaves it empty', async () => {
    const db = await createTestDatabase('postgres');
    try {
      const url = (db.config as { url: string }).url;
      const result = await cli(['token', 'list', '--user', 'root'], {
        GITGATE_DATA_DIR: path.join(base, 'pg-data'),
        DATABASE_URL: url,
        GITGATE_SECRET: 'a-secret-that-is-long-enough-for-gitgate',
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `gitgate: the PostgreSQL database ${url} has no gitgate tables yet: only \`gitgate serve\` creates them (or set DATABASE_URL to the server's database)\n`,
      );
      expect(fs.existsSync(path.join(base, 'pg-data'))).toBe(false);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const { rows } = await client.query<{ n: string }>("select count(*) as n from information_schema.tables where table_schema = 'public'");
      await client.end();
      expect(rows[0]!.n).toBe('0');
    } finally {
      await db.drop();
    }
  });

  it('says which installation it looked in when something is not found', async () => {
    const result = await cli(['token', 'list', '--user', 'nobody'], { GITGATE_DATA_DIR: relative });
    expect(result).toMatchObject({ code: 2, stderr: `gitgate: no user named nobody (data directory ${dataDir})\n` });
  });
});
