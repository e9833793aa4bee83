/**
 * Per-test databases on every engine the run has. Suites parametrize with
 * `describe.each(databaseKinds())` and create a fresh database per test.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import type { DatabaseConfig } from '../../src/storage/database.js';

export type TestDatabaseKind = DatabaseConfig['kind'];

/** A database created for one test; `drop` removes it and nothing else. */
export interface TestDatabase {
  config: DatabaseConfig;
  drop(): Promise<void>;
}

/** The engines to run on: SQLite always, PostgreSQL when the global setup found one. */
export function databaseKinds(): TestDatabaseKind[] {
  return inject('pgAdminUrl') ? ['sqlite', 'postgres'] : ['sqlite'];
}

/**
 * Creates an empty database: a file in a fresh temp directory (SQLite), or
 * `gitgate_test_<pid>_<random>` on the shared server (PostgreSQL).
 */
export async function createTestDatabase(kind: TestDatabaseKind): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'gitgate-test-'));
    return {
      config: { kind, path: join(dir, 'gitgate.db') },
      drop: () => rm(dir, { recursive: true, force: true }),
    };
  }
  const adminUrl = inject('pgAdminUrl');
  if (!adminUrl) throw new Error('no PostgreSQL server in this run; use databaseKinds()');
  const name = `gitgate_test_${process.pid}_${randomBytes(6).toString('hex')}`;
  await asAdmin(adminUrl, (admin) => admin.query(`create database ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  return {
    config: { kind, url: url.toString() },
    drop: () =>
      (dropped ??= asAdmin(adminUrl, async (admin) => {
        // Connections left open by a failed test would block DROP DATABASE.
        await admin.query(
          'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
          [name],
        );
        await admin.query(`drop database if exists ${name}`);
      })),
  };
}

async function asAdmin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}
