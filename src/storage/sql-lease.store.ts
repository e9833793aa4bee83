/** LeaseStore on Kysely, for SQLite and PostgreSQL alike. */
import { sql, type Kysely, type SqlBool } from 'kysely';
import type { LeaseStore } from '../notifications/lease.store.js';
import type { DialectHelper } from './dialects/dialect.js';
import type { Schema } from './schema.js';

/**
 * Rows of `leases`. Taking a lease is one upsert that succeeds only while
 * the row is absent, the caller's own, or expired, so two instances racing
 * for it are ordered by the database and exactly one wins.
 */
export class SqlLeaseStore implements LeaseStore {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly dialect: DialectHelper,
  ) {}

  async acquire(name: string, holder: string, now: Date, until: Date): Promise<boolean> {
    const expiresAt = this.dialect.toTimestamp(until);
    const free = sql<SqlBool>`leases.holder = ${holder} OR leases.expires_at <= ${this.dialect.toTimestamp(now)}`;
    const row = await this.db
      .insertInto('leases')
      .values({ name, holder, expires_at: expiresAt })
      .onConflict((oc) => oc.column('name').doUpdateSet({ holder, expires_at: expiresAt }).where(free))
      .returning('holder')
      .executeTakeFirst();
    return row !== undefined;
  }

  async release(name: string, holder: string): Promise<void> {
    await this.db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
  }
}
