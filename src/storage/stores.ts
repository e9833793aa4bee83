/**
 * The composition point of the storage layer: opens the configured database,
 * migrates it, and hands back the store implementations. Only `main.ts` (and
 * tests) import this; everything else depends on the store interfaces.
 */
import { sql } from 'kysely';
import type { AuditStore } from '../audit/audit.store.js';
import { UnavailableError } from '../lib/errors.js';
import type { SshKeyStore } from '../ssh-keys/ssh-key.store.js';
import type { ProjectStore } from '../projects/project.store.js';
import type { LockoutStore } from '../users/lockout.store.js';
import type { SessionStore } from '../sessions/session.store.js';
import type { LeaseStore } from '../notifications/lease.store.js';
import type { HousekeepingStore } from '../housekeeping/housekeeping.store.js';
import type { NotificationStore } from '../notifications/notification.store.js';
import type { RevocationGenerationStore } from '../tokens/revocation-generation.store.js';
import type { TokenStore } from '../tokens/token.store.js';
import type { UserStore } from '../users/user.store.js';
import { DatabaseNotCreatedError } from '../lib/startup-error.js';
import { openDatabase } from './database.js';
import type { Database, DatabaseConfig, OpenDatabaseOptions } from './database.js';
import type { DatabaseKind } from './dialects/dialect.js';
import { migrateToLatest } from './migrator.js';
import { SqlLeaseStore } from './sql-lease.store.js';
import { SqlHousekeepingStore } from './sql-housekeeping.store.js';
import { SqlAuditStore } from './sql-audit.store.js';
import { SqlInstallationStore } from './sql-installation.store.js';
import type { InstallationStore } from '../setup/installation.store.js';
import { SqlLockoutStore } from './sql-lockout.store.js';
import { SqlNotificationStore } from './sql-notification.store.js';
import { SqlProjectStore } from './sql-project.store.js';
import { SqlRevocationGenerationStore } from './sql-revocation-generation.store.js';
import { SqlSessionStore } from './sql-session.store.js';
import { SqlSshKeyStore } from './sql-ssh-key.store.js';
import { SqlTokenStore } from './sql-token.store.js';
import { SqlUserStore } from './sql-user.store.js';


/** Every store over one database connection (pool). */
export interface Stores {
  users: UserStore;
  tokens: TokenStore;
  projects: ProjectStore;
  /** Browser sessions (`web_sessions`). */
  sessions: SessionStore;
  /** Per-account failed sign-in counts and locks. */
  lockouts: LockoutStore;
  /** SSH public keys for Git over SSH. */
  sshKeys: SshKeyStore;
  /** The counter that tells cached token records from stale ones. */
  revocationGeneration: RevocationGenerationStore;
  /** Notices owed to token owners (the e-mail outbox). */
  notifications: NotificationStore;
  /** Named leases: which instance runs a periodic job. */
  leases: LeaseStore;
  /** Push counters and last runs of repository housekeeping. */
  housekeeping: HousekeepingStore;
  /** The audit trail (`audit_events`). */
  audit: AuditStore;
  /** What every instance must share, as first recorded (`installation_fingerprints`). */
  installation: InstallationStore;
  /** See Database.externalChanges: SQLite's foreign-commit counter, else null. */
  externalChanges: (() => number) | null;
  /** Resolves when the database answers a trivial query (readiness probe). */
  ping(): Promise<void>;
  /** Closes the database; idempotent. */
  close(): Promise<void>;
  kind: DatabaseKind;
}

/**
 * Opens the database, checks it answers, applies pending migrations and
 * returns the stores. An unreachable database rejects with UnavailableError
 * within the connect timeout (5 s by default) instead of hanging; with
 * `mustExist`, a database gitgate never migrated rejects with
 * DatabaseNotCreatedError and is left untouched.
 *
 * @example
 * const stores = await openStores({ kind: 'postgres', url: process.env.DATABASE_URL });
 * const root = await stores.users.findByUsername('root');
 */
export async function openStores(config: DatabaseConfig, options: OpenDatabaseOptions = {}): Promise<Stores> {
  const database = await openDatabase(config, options);
  try {
    await ping(database).catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      throw new UnavailableError(`${config.kind} database unavailable: ${reason}`, { cause: error });
    });
    if (options.mustExist && !(await isMigrated(database))) {
      throw new DatabaseNotCreatedError('the database has no gitgate tables');
    }
    await migrateToLatest(database);
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
  return {
    kind: database.kind,
    users: new SqlUserStore(database.db, database.dialect),
    tokens: new SqlTokenStore(database.db, database.dialect),
    projects: new SqlProjectStore(database.db, database.dialect),
    sessions: new SqlSessionStore(database.db, database.dialect),
    lockouts: new SqlLockoutStore(database.db, database.dialect),
    sshKeys: new SqlSshKeyStore(database.db, database.dialect),
    revocationGeneration: new SqlRevocationGenerationStore(database.db),
    notifications: new SqlNotificationStore(database.db, database.dialect),
    leases: new SqlLeaseStore(database.db, database.dialect),
    housekeeping: new SqlHousekeepingStore(database.db, database.dialect),
    audit: new SqlAuditStore(database.db, database.dialect),
    installation: new SqlInstallationStore(database.db, database.dialect),
    externalChanges: database.externalChanges,
    ping: () => ping(database),
    close: () => database.close(),
  };
}

/** Whether gitgate's migrations ever ran on the database (its migration table exists). */
async function isMigrated(database: Database): Promise<boolean> {
  const tables = await database.db.introspection.getTables({ withInternalKyselyTables: true });
  return tables.some((table) => table.name === 'kysely_migration');
}

async function ping(database: Database): Promise<void> {
  await sql`select 1`.execute(database.db);
}
