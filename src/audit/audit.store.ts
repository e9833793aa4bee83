import type { AuditEntityType, AuditEvent, NewAuditEvent } from './audit-event.js';

/** Filters for listing events, combined with AND; newest first. */
export interface AuditQuery {
  /** Created at or after. */
  createdAfter?: Date;
  /** Created at or before. */
  createdBefore?: Date;
  entityType?: AuditEntityType;
  entityId?: number;
  /** Events about this account (its `User` entity) or authored by it. */
  involvingUser?: number;
  limit?: number;
  offset?: number;
}

/**
 * Persistence of the audit trail: append-only (nothing is ever updated;
 * only the retention sweep deletes, whole events by age). Implementations:
 * SQLite and PostgreSQL (`audit_events`).
 */
export interface AuditStore {
  /**
   * Appends the event and returns it with its id. An event whose `onceKey`
   * is already stored is not appended: null.
   */
  append(event: NewAuditEvent): Promise<AuditEvent | null>;
  /** True when an event was appended under `onceKey`. */
  hasOnceKey(onceKey: string): Promise<boolean>;
  findById(id: number): Promise<AuditEvent | null>;
  /** Matching events, newest (highest id) first. */
  list(query: AuditQuery): Promise<AuditEvent[]>;
  /** Counts what `list` would return without limit/offset. */
  count(query: AuditQuery): Promise<number>;
  /** Deletes the events created before `before`; returns how many. */
  deleteBefore(before: Date): Promise<number>;
}
