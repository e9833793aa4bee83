/**
 * An audit event in GitLab's shape (`ee/lib/ee/api/entities/audit_event.rb`:
 * id, author_id, entity_id, entity_type, details, created_at), as the API
 * answers it and the webhook posts it. `details` holds GitLab's usual keys
 * (`author_name`, `target_*`, `ip_address`, `entity_path`, `event_name`),
 * gitgate's `request_id`, and the event's own details.
 */
import type { AuditEvent, AuditValue } from './audit-event.js';

/** The JSON of one event. */
export interface AuditEventJson {
  id: number;
  author_id: number;
  entity_id: number;
  entity_type: string;
  details: Record<string, AuditValue>;
  created_at: string;
}

/** `event` as GitLab's audit event entity. */
export function auditEventJson(event: AuditEvent): AuditEventJson {
  return {
    id: event.id,
    author_id: event.author.id,
    entity_id: event.entity.id,
    entity_type: event.entity.type,
    details: {
      ...event.details,
      event_name: event.action,
      author_name: event.author.name,
      target_id: event.target?.id ?? null,
      target_type: event.target?.type ?? null,
      target_details: event.target?.details ?? null,
      ip_address: event.ipAddress,
      entity_path: event.entity.path,
      request_id: event.requestId,
    },
    created_at: event.createdAt.toISOString(),
  };
}
