/** AuditStore on Kysely, for SQLite and PostgreSQL alike. */
import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { AuditAction, AuditDetails, AuditEntityType, AuditEvent, AuditTarget, NewAuditEvent } from '../audit/audit-event.js';
import type { AuditQuery, AuditStore } from '../audit/audit.store.js';
import type { DialectHelper } from './dialects/dialect.js';
import type { AuditEventRow, Schema } from './schema.js';
import { pageOf, toCount } from './sql-helpers.js';

type AuditSelect = SelectQueryBuilder<Schema, 'audit_events', object>;

/** Events in `audit_events`; lists newest (highest id) first. */
export class SqlAuditStore implements AuditStore {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly dialect: DialectHelper,
  ) {}

  async append(event: NewAuditEvent): Promise<AuditEvent | null> {
    const row = await this.db
      .insertInto('audit_events')
      .values({
        created_at: this.dialect.toTimestamp(event.createdAt),
        action: event.action,
        author_id: event.author.id,
        author_name: event.author.name,
        entity_type: event.entity.type,
        entity_id: event.entity.id,
        entity_path: event.entity.path,
        target_type: event.target?.type ?? null,
        target_id: event.target?.id ?? null,
        target_details: event.target?.details ?? null,
        ip_address: event.ipAddress,
        request_id: event.requestId,
        details: JSON.stringify(event.details),
        once_key: event.onceKey,
      })
      .onConflict((oc) => oc.column('once_key').doNothing())
      .returningAll()
      .executeTakeFirst();
    return row ? this.toEvent(row) : null;
  }

  async hasOnceKey(onceKey: string): Promise<boolean> {
    return (await this.db.selectFrom('audit_events').select('id').where('once_key', '=', onceKey).executeTakeFirst()) !== undefined;
  }

  async findById(id: number): Promise<AuditEvent | null> {
    const row = await this.db.selectFrom('audit_events').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? this.toEvent(row) : null;
  }

  async list(query: AuditQuery): Promise<AuditEvent[]> {
    let qb = this.filtered(query).selectAll().orderBy('id', 'desc');
    const page = pageOf(query.limit, query.offset);
    if (page) qb = qb.limit(page.limit).offset(page.offset);
    return (await qb.execute()).map((row) => this.toEvent(row));
  }

  async count(query: AuditQuery): Promise<number> {
    const row = await this.filtered(query)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    return toCount(row?.n);
  }

  async deleteBefore(before: Date): Promise<number> {
    const result = await this.db.deleteFrom('audit_events').where('created_at', '<', this.dialect.toTimestamp(before)).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  private filtered(query: AuditQuery): AuditSelect {
    const d = this.dialect;
    let qb: AuditSelect = this.db.selectFrom('audit_events');
    if (query.createdAfter) qb = qb.where('created_at', '>=', d.toTimestamp(query.createdAfter));
    if (query.createdBefore) qb = qb.where('created_at', '<=', d.toTimestamp(query.createdBefore));
    if (query.entityType !== undefined) qb = qb.where('entity_type', '=', query.entityType);
    if (query.entityId !== undefined) qb = qb.where('entity_id', '=', query.entityId);
    const user = query.involvingUser;
    if (user !== undefined) {
      qb = qb.where((eb) => eb.or([eb.and([eb('entity_type', '=', 'User'), eb('entity_id', '=', user)]), eb('author_id', '=', user)]));
    }
    return qb;
  }

  private toEvent(row: AuditEventRow): AuditEvent {
    const target: AuditTarget | null =
      row.target_type === null ? null : { type: row.target_type as AuditTarget['type'], id: row.target_id, details: row.target_details };
    return {
      id: row.id,
      createdAt: this.dialect.fromTimestamp(row.created_at),
      // Rows are written by this code only; a newer gitgate's names are shown as they are.
      action: row.action as AuditAction,
      author: { id: row.author_id, name: row.author_name },
      entity: { type: row.entity_type as AuditEntityType, id: row.entity_id, path: row.entity_path },
      target,
      ipAddress: row.ip_address,
      requestId: row.request_id,
      details: parseDetails(row.details),
    };
  }
}

/** The details column: a JSON object (anything else reads as none). */
function parseDetails(text: string): AuditDetails {
  const value: unknown = JSON.parse(text);
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as AuditDetails) : {};
}
