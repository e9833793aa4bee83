/**
 * Builds the OpenAPI operation of one declared route: its path and query
 * parameters or request body from the route's parameter schema, its
 * success and error answers from what the route declares.
 */
import { ABILITY_SCOPES } from '../../../identity/scopes.js';
import type { ApiRoute, RouteScope } from '../route.js';
import { paramSchemas } from './param-schemas.js';
import type { RouteError, Success } from './route-doc.js';
import type { Schema } from './schemas.js';

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

/** Statuses every route can answer: no or a refused token, and a refusal. */
const EVERY_ROUTE_ERRORS = [401, 403] as const;

const ERROR_BODIES: Record<RouteError | (typeof EVERY_ROUTE_ERRORS)[number], { description: string; schemas: string[] }> = {
  400: { description: 'Invalid parameters, naming the field', schemas: ['ParamsError', 'Message'] },
  401: { description: 'No, unknown, revoked or expired token', schemas: ['Message', 'OAuthError'] },
  403: { description: 'Insufficient scope, not allowed, or a sudo refusal', schemas: ['Message', 'OAuthError'] },
  404: { description: 'Not found, or not visible to the caller', schemas: ['Message'] },
  409: { description: 'Already taken', schemas: ['Message'] },
  422: { description: 'Not a token of this instance (its prefix, length or checksum)', schemas: ['Message'] },
};

const PAGINATION_HEADERS = Object.fromEntries(
  ['X-Page', 'X-Per-Page', 'X-Next-Page', 'X-Prev-Page', 'X-Total', 'X-Total-Pages', 'Link'].map((h) => [
    h,
    { schema: { type: 'string' }, description: h === 'Link' ? 'prev, next, first and last page URLs' : `GitLab's ${h}` },
  ]),
);

const PATH_PARAMS: Record<string, string> = {
  id: 'Numeric id (for projects also the URL-encoded `namespace%2Fproject` path)',
  user_id: 'Numeric user id',
  key_id: 'Numeric SSH key id',
  branch: 'The branch name, URL-encoded (`feature%2Fx`)',
};

function json(schema: Schema): Schema {
  return { 'application/json': { schema } };
}

function success(ok: Success): Schema {
  if (ok.status === 204) return { description: 'No content' };
  const one = typeof ok.body === 'string' ? ref(ok.body) : { oneOf: ok.body.map(ref) };
  const body = ok.list ? { type: 'array', items: one } : one;
  return { description: 'Success', content: json(body), ...(ok.list ? { headers: PAGINATION_HEADERS } : {}) };
}

function error(status: keyof typeof ERROR_BODIES): Schema {
  const e = ERROR_BODIES[status];
  return { description: e.description, content: json({ oneOf: e.schemas.map(ref) }) };
}

/** The token scopes that allow a route, e.g. `api, read_api` (`any` for the `/self` endpoints). */
function scopesOf(scope: RouteScope): string {
  return scope === 'any' ? 'any' : [...ABILITY_SCOPES[scope]].sort().join(', ');
}

/** Express's `/users/:id` → OpenAPI's `/users/{id}`. */
export function pathTemplate(expressPath: string): string {
  return expressPath.replace(/:(\w+)/g, '{$1}');
}

/** `get /users/{id}/block` → `getUsersByIdBlock`. */
function operationId(method: string, path: string): string {
  const words = path.replace(/\{(\w+)\}/g, 'by_$1').split(/[^A-Za-z0-9]+/).filter(Boolean);
  return method + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

/** A body GitLab takes as JSON or form-encoded. */
function requestBody(schema: Schema, required: boolean): Schema {
  return { required, content: { ...json(schema), 'application/x-www-form-urlencoded': { schema } } };
}

function descriptionOf(r: ApiRoute): string {
  return [
    `Token scopes: ${scopesOf(r.scope)}.`,
    ...(r.anonymous ? ['Works without a token (public projects only).'] : []),
    ...(r.description ? [r.description] : []),
  ].join(' ');
}

/** The OpenAPI operation of route `r`. */
export function operation(r: ApiRoute): Schema {
  const path = pathTemplate(r.path);
  const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    description: PATH_PARAMS[name ?? ''] ?? name,
    schema: { type: 'string' },
  }));
  const { properties, required } = r.params ? paramSchemas(r.params) : { properties: {}, required: [] };
  const inQuery = (r.method === 'get' || r.method === 'delete') && r.paramsIn !== 'body';
  const queryParams = inQuery
    ? Object.entries(properties).map(([name, schema]) => ({ name, in: 'query', required: required.includes(name), schema }))
    : [];
  const body = { type: 'object', properties, ...(required.length ? { required } : {}) };
  const errors = [...EVERY_ROUTE_ERRORS, ...r.errors].sort((a, b) => a - b);
  return {
    summary: r.summary,
    operationId: operationId(r.method, path),
    tags: [r.tag],
    description: descriptionOf(r),
    parameters: [...pathParams, ...queryParams, { $ref: '#/components/parameters/Sudo' }],
    ...(!inQuery && Object.keys(properties).length > 0 ? { requestBody: requestBody(body, required.length > 0) } : {}),
    responses: {
      [String(r.success.status)]: success(r.success),
      ...Object.fromEntries(errors.map((status) => [String(status), error(status)])),
    },
    ...(r.anonymous ? { security: [{}, { privateToken: [] }, { privateTokenQuery: [] }, { bearer: [] }] } : {}),
  };
}
