/**
 * `/audit_events`: the instance audit events, for administrators (GitLab's
 * `ee/lib/api/audit_events.rb`), newest first with GitLab's offset
 * pagination; filters `created_after`, `created_before` (inclusive),
 * `entity_type` and `entity_id` (which needs `entity_type`, as in GitLab).
 */
import { z } from 'zod';
import { AUDIT_ENTITY_TYPES } from '../../audit/audit-event.js';
import { auditEventJson } from '../../audit/audit-event-json.js';
import type { ApiDeps } from './api-deps.js';
import { pageOf, pageParams } from './pagination.js';
import { dateTime, id, idParam } from './params.js';
import { route, type ApiRoute } from './route.js';

const listParams = z
  .object({
    created_after: dateTime().optional(),
    created_before: dateTime().optional(),
    entity_type: z.enum(AUDIT_ENTITY_TYPES).optional(),
    entity_id: id().optional().meta({ description: 'Needs entity_type' }),
    ...pageParams,
  })
  .refine((p) => p.entity_id === undefined || p.entity_type !== undefined, { message: 'entity_type is missing', path: ['entity_type'] });

/** The audit event routes. */
export function auditEventRoutes(deps: ApiDeps): ApiRoute[] {
  const { audit } = deps;
  return [
    route({
      method: 'get',
      path: '/audit_events',
      summary: 'List the instance audit events, newest first (administrators)',
      tag: 'audit_events',
      scope: 'read_api',
      admin: true,
      params: listParams,
      success: { status: 200, body: 'AuditEvent', list: true },
      errors: [400],
      handle: async ({ params }) => {
        const page = pageOf(params);
        const { events, total } = await audit.list({
          createdAfter: params.created_after,
          createdBefore: params.created_before,
          entityType: params.entity_type,
          entityId: params.entity_id,
          limit: page.limit,
          offset: page.offset,
        });
        return { body: events.map(auditEventJson), page: { page, total } };
      },
    }),
    route({
      method: 'get',
      path: '/audit_events/:id',
      summary: 'Get one instance audit event (administrators)',
      tag: 'audit_events',
      scope: 'read_api',
      admin: true,
      success: { status: 200, body: 'AuditEvent' },
      errors: [400, 404],
      handle: async ({ path }) => ({ body: auditEventJson(await audit.get(idParam(path.id))) }),
    }),
  ];
}
