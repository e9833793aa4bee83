/** NotificationStore on Kysely, for SQLite and PostgreSQL alike. */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DeliveryOutcome, ExpiryNotificationKind, NotificationKind, PendingNotification } from '../notifications/notification.js';
import type { NotificationStore } from '../notifications/notification.store.js';
import type { LeakLocation } from '../tokens/revocation-notifier.js';
import type { UserState } from '../users/user.js';
import type { DialectHelper } from './dialects/dialect.js';
import type { DbTimestamp, Schema } from './schema.js';

/**
 * Rows of `token_notifications`. The unique (token_id, kind) index makes
 * recording idempotent: a notice recorded twice, by two instances or two
 * sweeps, is one row and one e-mail.
 */
export class SqlNotificationStore implements NotificationStore {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly dialect: DialectHelper,
  ) {}

  async recordExpiring(kind: ExpiryNotificationKind, range: { after: string; onOrBefore: string }, now: Date): Promise<number> {
    const at = this.timestamp(now);
    const due = this.db
      .selectFrom('personal_access_tokens as t')
      .innerJoin('users as u', 'u.id', 't.user_id')
      .select([
        't.id as token_id',
        sql<string>`cast(${kind} as text)`.as('kind'),
        sql<string>`cast(${'pending'} as text)`.as('status'),
        sql<number>`0`.as('attempts'),
        at.as('created_at'),
        at.as('next_attempt_at'),
      ])
      .where('t.revoked', '=', this.dialect.toBoolean(false))
      .where('u.state', '=', 'active')
      .where('t.expires_at', '>', range.after)
      .where('t.expires_at', '<=', range.onOrBefore);
    const result = await this.db
      .insertInto('token_notifications')
      .columns(['token_id', 'kind', 'status', 'attempts', 'created_at', 'next_attempt_at'])
      .expression(due)
      .onConflict((oc) => oc.columns(['token_id', 'kind']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0);
  }

  async record(tokenId: number, kind: NotificationKind, leak: LeakLocation | null, now: Date): Promise<boolean> {
    const at = this.dialect.toTimestamp(now);
    const row = await this.db
      .insertInto('token_notifications')
      .values({ token_id: tokenId, kind, leak: leak ? JSON.stringify(leak) : null, status: 'pending', attempts: 0, created_at: at, next_attempt_at: at })
      .onConflict((oc) => oc.columns(['token_id', 'kind']).doNothing())
      .returning('id')
      .executeTakeFirst();
    return row !== undefined;
  }

  async due(now: Date, limit: number): Promise<PendingNotification[]> {
    const rows = await this.db
      .selectFrom('token_notifications as n')
      .innerJoin('personal_access_tokens as t', 't.id', 'n.token_id')
      .innerJoin('users as u', 'u.id', 't.user_id')
      .select(['n.id', 'n.kind', 'n.leak', 'n.attempts', 't.id as token_id', 't.name as token_name', 't.expires_at', 't.revoked'])
      .select(['u.id as user_id', 'u.username', 'u.name as user_name', 'u.email', 'u.state'])
      .where('n.status', '=', 'pending')
      .where('n.next_attempt_at', '<=', this.dialect.toTimestamp(now))
      .orderBy('n.id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind as NotificationKind,
      leak: r.leak === null ? null : (JSON.parse(r.leak) as LeakLocation),
      attempts: r.attempts,
      token: { id: r.token_id, name: r.token_name, expiresAt: r.expires_at, revoked: this.dialect.fromBoolean(r.revoked) },
      owner: { id: r.user_id, username: r.username, name: r.user_name, email: r.email, state: r.state as UserState },
    }));
  }

  async settle(id: number, outcome: DeliveryOutcome, now: Date, retryAt?: Date): Promise<void> {
    const at = this.dialect.toTimestamp(now);
    const counted = sql<number>`attempts + 1`;
    const change =
      outcome === 'retry'
        ? { attempts: counted, next_attempt_at: this.dialect.toTimestamp(retryAt ?? now) }
        : { status: outcome, settled_at: at, ...(outcome === 'failed' ? { attempts: counted } : {}) };
    await this.db.updateTable('token_notifications').set(change).where('id', '=', id).where('status', '=', 'pending').execute();
  }

  /** A timestamp typed for the column in a SELECT list, where PostgreSQL cannot infer a parameter's type. */
  private timestamp(at: Date): RawBuilder<DbTimestamp> {
    return sql<DbTimestamp>`cast(${this.dialect.toTimestamp(at)} as ${sql.raw(this.dialect.timestampType)})`;
  }
}
