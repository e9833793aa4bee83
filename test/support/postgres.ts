/**
 * Finding or starting a PostgreSQL server for the test run. Used by the
 * global setup only; suites get the result through `inject('pgAdminUrl')`.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port.js';

const run = promisify(execFile);

/** The server this machine is expected to run (trust authentication). */
export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** A server the tests may create databases on; `stop` undoes what we started. */
export interface PostgresServer {
  url: string;
  description: string;
  stop(): Promise<void>;
}

/**
 * Connects to `url` and checks the role may create databases. Resolves to
 * null when usable, otherwise to the reason it is not.
 */
export async function probePostgres(url: string, timeoutMs = 2000): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ ok: boolean }>(
      'select rolsuper or rolcreatedb as ok from pg_roles where rolname = current_user',
    );
    return rows[0]?.ok === true ? null : 'the role may not CREATE DATABASE';
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Full path of a PostgreSQL server binary on PATH or under /usr/lib/postgresql/<v>/bin. */
export function findPostgresBinary(name: string): string | null {
  const onPath = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  const versioned = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql')
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => join('/usr/lib/postgresql', v, 'bin'))
    : [];
  for (const dir of [...onPath, ...versioned]) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/** A cluster this run started: it can also be halted (as an outage) and started again on the same port. */
export interface PrivateCluster extends PostgresServer {
  /** Stops the server immediately (open connections are cut), keeping its data. */
  halt(): Promise<void>;
  /** Starts the halted server again, same port and data. */
  resume(): Promise<void>;
}

/**
 * Starts a throw-away cluster in a temp directory on a free port. PostgreSQL
 * refuses to run as root, so as root it runs as the `postgres` OS user.
 * Resolves to null (with the reason in `why`) when that is impossible.
 */
export async function startPrivateCluster(why: string[]): Promise<PrivateCluster | null> {
  const initdb = findPostgresBinary('initdb');
  const pgCtl = findPostgresBinary('pg_ctl');
  if (!initdb || !pgCtl) {
    why.push('initdb/pg_ctl not found on PATH or under /usr/lib/postgresql/*/bin');
    return null;
  }
  const asRoot = userInfo().uid === 0;
  const owner = asRoot ? await postgresOsUser() : null;
  if (asRoot && !owner) {
    why.push('running as root and there is no `postgres` OS user to run the server as');
    return null;
  }
  const exec = (file: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', file, ...args]) : run(file, args);

  // The run's temporary directory is the owner's only; the server's user must be able to pass through it.
  if (owner) await chmod(tmpdir(), 0o711);
  const dir = await mkdtemp(join(tmpdir(), 'gitgate-pg-'));
  const data = join(dir, 'data');
  try {
    if (owner) await chown(dir, owner.uid, owner.gid);
    await exec(initdb, ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    const port = await freePort();
    // fsync=off survives the immediate stop of halt() (the kernel keeps the writes); synchronous_commit=off
    // would not: commits still in the server's WAL buffers die with it, and a token created just before
    // an outage would be gone after it.
    const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    const start = () => exec(pgCtl, ['-D', data, '-l', join(dir, 'server.log'), '-o', serverOptions, '-w', '-t', '60', 'start']);
    await start();
    let pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    let running = true;
    const halt = async (): Promise<void> => {
      await exec(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']);
      running = false;
    };
    const resume = async (): Promise<void> => {
      await start();
      running = true;
      pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    };
    const stop = async (): Promise<void> => {
      await exec(pgCtl, ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => {
        // pg_ctl failed: end the postmaster we started, by its own pid only (never a halted one's old pid).
        if (running && Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGQUIT');
      });
      await rm(dir, { recursive: true, force: true });
    };
    return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, description: `private cluster in ${dir} (pid ${pid})`, stop, halt, resume };
  } catch (error) {
    why.push(`starting a private cluster failed: ${error instanceof Error ? error.message : String(error)}`);
    await rm(dir, { recursive: true, force: true });
    return null;
  }
}

async function postgresOsUser(): Promise<{ uid: number; gid: number } | null> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return null;
  }
}

