/**
 * Opens the database gitgate stores its state in: an embedded SQLite file, or
 * a PostgreSQL server shared by every instance.
 */
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { DatabaseNotCreatedError } from '../lib/startup-error.js';
import type { DatabaseKind, DialectHelper } from './dialects/dialect.js';
import { postgresDialect } from './dialects/postgres.js';
import { sqliteDialect } from './dialects/sqlite.js';
import type { Schema } from './schema.js';
import { NulGuardPlugin } from './nul-guard.js';
import { withStatementCache } from './statement-cache.js';
import { reportingOutages } from './unavailable-database.js';

/** Where the data lives. */
export type DatabaseConfig = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/** Optional hooks and limits for {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /**
   * Called when a pooled PostgreSQL connection fails outside a query (server
   * restart, network drop). The pool discards the connection; the process
   * keeps running. Default: ignore (the next query reports the outage).
   */
  onConnectionError?: (error: Error) => void;
  /** How long to wait for a PostgreSQL connection before failing (ms). Default 5000. */
  connectTimeoutMs?: number;
  /**
   * Use an existing database only: a missing SQLite file (or, in openStores,
   * a PostgreSQL database without gitgate's tables) is a
   * DatabaseNotCreatedError instead of a new, empty database. Default false.
   */
  mustExist?: boolean;
}

/** An open database: the query builder and the helper for its dialect. */
export interface Database {
  readonly kind: DatabaseKind;
  readonly db: Kysely<Schema>;
  readonly dialect: DialectHelper;
  /**
   * SQLite only (else null): a number that changes whenever another
   * connection — another process such as the CLI or a second server —
   * commits to the database file (`PRAGMA data_version`). Cheap enough to
   * read on every request; lets an in-process cache notice foreign writes.
   */
  readonly externalChanges: (() => number) | null;
  /** Closes every connection; idempotent. */
  close(): Promise<void>;
}

const POOL_SIZE = 10;
const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
const SQLITE_BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (without querying) the configured database.
 *
 * @example
 * const database = await openDatabase({ kind: 'sqlite', path: 'data/gitgate.db' });
 * await database.close();
 */
export async function openDatabase(config: DatabaseConfig, options: OpenDatabaseOptions = {}): Promise<Database> {
  const dialect = config.kind === 'sqlite' ? sqliteDialect : postgresDialect;
  if (config.kind === 'sqlite' && options.mustExist && !existsSync(config.path)) {
    throw new DatabaseNotCreatedError(`there is no SQLite database at ${config.path}`);
  }
  // Each driver is loaded only when it is used: the one an instance does not need costs start-up time and memory.
  const opened = config.kind === 'sqlite' ? await openSqlite(config.path) : { db: await openPostgres(config.url, options), externalChanges: null };
  const { db } = opened;
  let closing: Promise<void> | undefined;
  return {
    kind: config.kind,
    db,
    dialect,
    externalChanges: opened.externalChanges,
    close: () => (closing ??= db.destroy()),
  };
}

async function openSqlite(path: string): Promise<{ db: Kysely<Schema>; externalChanges: () => number }> {
  const { default: BetterSqlite3 } = await import('better-sqlite3');
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // The file holds password hashes and 2FA seeds: create it for the owner
  // only. SQLite gives the -wal and -shm files it makes the database's mode.
  closeSync(openSync(path, 'a', 0o600));
  const database = new BetterSqlite3(path);
  // WAL lets readers (the CLI in another process) work during writes;
  // busy_timeout makes a concurrent writer wait instead of failing at once.
  database.pragma('journal_mode = WAL');
  database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  database.pragma('foreign_keys = ON');
  database.pragma('synchronous = NORMAL');
  return {
    db: new Kysely<Schema>({
      dialect: reportingOutages(new SqliteDialect({ database: withStatementCache(database) }), sqliteDialect.isOutage),
      plugins: [new NulGuardPlugin()],
    }),
    externalChanges: () => database.pragma('data_version', { simple: true }) as number,
  };
}

async function openPostgres(url: string, options: OpenDatabaseOptions): Promise<Kysely<Schema>> {
  const { default: pg } = await import('pg');
  const report = (error: Error): void => options.onConnectionError?.(error);
  const pool = new pg.Pool({
    connectionString: url,
    max: POOL_SIZE,
    // Without a timeout a black-holed server makes every caller hang.
    connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  });
  // An idle client's failure is re-emitted here; unhandled it would crash.
  pool.on('error', report);
  // A checked-out client has no pool listener, and an unhandled 'error' event
  // kills the process. Its failure already rejects the query using it.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return new Kysely<Schema>({ dialect: reportingOutages(new PostgresDialect({ pool }), postgresDialect.isOutage), plugins: [new NulGuardPlugin()] });
}
