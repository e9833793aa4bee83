/** SessionStore on Kysely, for SQLite and PostgreSQL alike. */
import type { Kysely } from 'kysely';
import type { SessionData, SessionRecord } from '../sessions/session.js';
import type { SessionStore } from '../sessions/session.store.js';
import type { DialectHelper } from './dialects/dialect.js';
import type { Schema, WebSessionRow } from './schema.js';

/** Sessions in `web_sessions`; they go with their user (foreign-key cascade). */
export class SqlSessionStore implements SessionStore {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly dialect: DialectHelper,
  ) {}

  async create(session: SessionRecord): Promise<void> {
    const d = this.dialect;
    await this.db
      .insertInto('web_sessions')
      .values({
        id: session.key,
        user_id: session.userId,
        data: JSON.stringify(session.data),
        created_at: d.toTimestamp(session.createdAt),
        expires_at: d.toTimestamp(session.expiresAt),
        last_seen_at: d.toTimestamp(session.lastSeenAt),
      })
      .execute();
  }

  async find(key: string): Promise<SessionRecord | null> {
    const row = await this.db.selectFrom('web_sessions').selectAll().where('id', '=', key).executeTakeFirst();
    return row ? this.toRecord(row) : null;
  }

  async updateData(key: string, data: SessionData): Promise<boolean> {
    const result = await this.db
      .updateTable('web_sessions')
      .set({ data: JSON.stringify(data) })
      .where('id', '=', key)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async touch(key: string, lastSeenAt: Date, expiresAt: Date): Promise<boolean> {
    const d = this.dialect;
    const result = await this.db
      .updateTable('web_sessions')
      .set({ last_seen_at: d.toTimestamp(lastSeenAt), expires_at: d.toTimestamp(expiresAt) })
      .where('id', '=', key)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async delete(key: string): Promise<void> {
    await this.db.deleteFrom('web_sessions').where('id', '=', key).execute();
  }

  async deleteAllOfUser(userId: number): Promise<number> {
    const result = await this.db.deleteFrom('web_sessions').where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async deleteExpired(now: Date): Promise<number> {
    const result = await this.db
      .deleteFrom('web_sessions')
      .where('expires_at', '<=', this.dialect.toTimestamp(now))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** The data is validated by the session service, which fails closed on a bad shape. */
  private toRecord(row: WebSessionRow): SessionRecord {
    const d = this.dialect;
    return {
      key: row.id,
      userId: row.user_id,
      data: JSON.parse(row.data) as SessionData,
      createdAt: d.fromTimestamp(row.created_at),
      expiresAt: d.fromTimestamp(row.expires_at),
      lastSeenAt: d.fromTimestamp(row.last_seen_at),
    };
  }
}
