import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { UnavailableError } from '../../src/lib/errors.js';
import { openDatabase } from '../../src/storage/database.js';
import { openStores } from '../../src/storage/stores.js';
import { createTestDatabase, databaseKinds } from '../support/databases.js';
import type { TestDatabase } from '../support/databases.js';
import { newUser } from './harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function testDatabase(kind: 'sqlite' | 'postgres'): Promise<TestDatabase> {
  const database = await createTestDatabase(kind);
  cleanups.push(() => database.drop());
  return database;
}

/** Listens on a free port; `silent` accepts connections and never answers. */
async function listen(): Promise<{ server: Server; port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { server, port: address.port };
}

describe('openStores against an unreachable PostgreSQL', () => {
  it('rejects at once with UnavailableError when the port is closed', async () => {
    const { server, port } = await listen();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const started = Date.now();
    await expect(openStores({ kind: 'postgres', url: `postgres://nobody@127.0.0.1:${port}/none` })).rejects.toBeInstanceOf(
      UnavailableError,
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('rejects within the connect timeout when the server never answers', async () => {
    const { port } = await listen();
    const started = Date.now();
    await expect(openStores({ kind: 'postgres', url: `postgres://nobody@127.0.0.1:${port}/none` })).rejects.toThrow(
      /postgres database unavailable/,
    );
    expect(Date.now() - started).toBeLessThan(8000);
  });
});

describe.each(databaseKinds())('database on %s', (kind) => {
  it('migrates once: reopening keeps data and applies nothing twice', async () => {
    const { config } = await testDatabase(kind);
    const first = await openStores(config);
    const user = await first.users.create(newUser());
    await first.ping();
    await first.close();
    await first.close();
    const second = await openStores(config);
    cleanups.push(() => second.close());
    expect(second.kind).toBe(kind);
    expect(await second.users.findById(user.id)).toEqual(user);
  });

  it('has a web_sessions table whose rows go with their user', async () => {
    const { config } = await testDatabase(kind);
    const stores = await openStores(config);
    cleanups.push(() => stores.close());
    const database = await openDatabase(config);
    cleanups.push(() => database.close());
    const user = await stores.users.create(newUser());
    const now = database.dialect.toTimestamp(new Date('2026-01-01T00:00:00.001Z'));
    await database.db
      .insertInto('web_sessions')
      .values({ id: 'a'.repeat(64), user_id: user.id, data: '{}', created_at: now, expires_at: now, last_seen_at: now })
      .execute();
    const row = await database.db.selectFrom('web_sessions').selectAll().executeTakeFirstOrThrow();
    expect(database.dialect.fromTimestamp(row.expires_at)).toEqual(new Date('2026-01-01T00:00:00.001Z'));
    await stores.users.delete(user.id);
    expect(await database.db.selectFrom('web_sessions').selectAll().execute()).toEqual([]);
  });
});

describe('SQLite specifics', () => {
  it('creates the parent directory and sets WAL, busy_timeout, foreign_keys and synchronous', async () => {
    const { config } = await testDatabase('sqlite');
    if (config.kind !== 'sqlite') throw new Error('unreachable');
    const nested = { kind: 'sqlite' as const, path: join(config.path, '..', 'deeper', 'dir', 'gitgate.db') };
    const database = await openDatabase(nested);
    cleanups.push(() => database.close());
    const pragma = async (name: string) => {
      const { rows } = await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(database.db);
      return rows[0] === undefined ? undefined : Object.values(rows[0])[0];
    };
    expect(await pragma('journal_mode')).toBe('wal');
    expect(await pragma('busy_timeout')).toBe(5000);
    expect(await pragma('foreign_keys')).toBe(1);
    expect(await pragma('synchronous')).toBe(1);
  });
});

describe.runIf(databaseKinds().includes('postgres'))('PostgreSQL connection loss', () => {
  it('survives the server killing its idle connections, reports them, and reconnects', async () => {
    const { config } = await testDatabase('postgres');
    if (config.kind !== 'postgres') throw new Error('unreachable');
    let reported!: (error: Error) => void;
    const lost = new Promise<Error>((resolve) => (reported = resolve));
    const stores = await openStores(config, { onConnectionError: (error) => reported(error) });
    cleanups.push(() => stores.close());
    await stores.ping();

    const admin = new pg.Client(inject('pgAdminUrl') ?? '');
    await admin.connect();
    cleanups.push(() => admin.end());
    const name = new URL(config.url).pathname.slice(1);
    await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [name]);

    expect((await lost).message).toMatch(/terminat/i);
    await expect(stores.ping()).resolves.toBeUndefined();
  });
});
