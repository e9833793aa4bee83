/** LockoutStore on Kysely, for SQLite and PostgreSQL alike. */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { LockoutState, LockoutStore } from '../users/lockout.store.js';
import type { DialectHelper } from './dialects/dialect.js';
import type { Schema } from './schema.js';

/** Rows in `account_lockouts`; absent means no failures. */
export class SqlLockoutStore implements LockoutStore {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly dialect: DialectHelper,
  ) {}

  async find(userId: number): Promise<LockoutState | null> {
    const row = await this.db
      .selectFrom('account_lockouts')
      .select(['failed_attempts', 'locked_until'])
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (!row) return null;
    return {
      failedAttempts: row.failed_attempts,
      lockedUntil: row.locked_until === null ? null : this.dialect.fromTimestamp(row.locked_until),
    };
  }

  /** One upsert, so concurrent failures on several instances all count. */
  async addFailure(userId: number, at: Date): Promise<number> {
    const updatedAt = this.dialect.toTimestamp(at);
    const row = await this.db
      .insertInto('account_lockouts')
      .values({ user_id: userId, failed_attempts: 1, locked_until: null, updated_at: updatedAt })
      .onConflict((oc) =>
        oc.column('user_id').doUpdateSet({
          failed_attempts: sql<number>`account_lockouts.failed_attempts + 1`,
          updated_at: updatedAt,
        }),
      )
      .returning('failed_attempts')
      .executeTakeFirstOrThrow();
    return row.failed_attempts;
  }

  async lock(userId: number, until: Date, at: Date): Promise<void> {
    const d = this.dialect;
    await this.db
      .updateTable('account_lockouts')
      .set({ failed_attempts: 0, locked_until: d.toTimestamp(until), updated_at: d.toTimestamp(at) })
      .where('user_id', '=', userId)
      .execute();
  }

  async clear(userId: number): Promise<void> {
    await this.db.deleteFrom('account_lockouts').where('user_id', '=', userId).execute();
  }
}
