/**
 * What a route declares for the OpenAPI document beyond what its method,
 * path, scope and parameter schema already say: its tag, its success
 * answer and the errors particular to it.
 */
import type { SchemaName } from './schemas.js';

/** The document's tags, in the order it lists them. */
export const API_TAGS = ['users', 'projects', 'members', 'branches', 'tags', 'personal_access_tokens', 'token_information', 'audit_events', 'metadata'] as const;

/** The tag grouping an endpoint in the document. */
export type ApiTag = (typeof API_TAGS)[number];

/**
 * Error statuses a route may declare. 401 (no or a refused token) and 403
 * (insufficient scope, not allowed, sudo refused) can answer any route and
 * are documented on all of them.
 */
export type RouteError = 400 | 404 | 409 | 422;

/**
 * The success answer — its status is the one the route sends: `204`
 * without a body, or a status with the body's component schema — several
 * when the caller decides which (`oneOf`), and `list` for a paginated array.
 */
export type Success =
  | { status: 204 }
  | { status: 200 | 201 | 202; body: SchemaName | readonly SchemaName[]; list?: boolean };

/** The documentation fields of a route. */
export interface RouteDoc {
  tag: ApiTag;
  success: Success;
  /** The errors particular to this route, besides the 401 and 403 of every route. */
  errors: readonly RouteError[];
  /** More than the summary says, appended to the operation's description. */
  description?: string;
}
