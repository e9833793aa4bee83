/**
 * Builds OpenAPI operation objects from short specs, so the path table in
 * `paths.ts` reads like the endpoint list it is.
 */
import type { Schema } from './schemas.js';

/** A short description of one operation. */
export interface OperationSpec {
  summary: string;
  tag: 'users' | 'projects' | 'members' | 'personal_access_tokens';
  /** Token scopes that allow the call, e.g. `api` or `api read_api read_user`. */
  scopes: string;
  /** Callable without a token (only public projects are then visible). */
  anonymous?: boolean;
  /** Query parameters (GET) or body fields (POST/PUT); names ending in `!` are required. */
  params?: Record<string, Schema>;
  /** The success status and body: a component name, or several when the caller decides which (`oneOf`). */
  ok: { status: number; schema?: string | readonly string[]; list?: boolean; description?: string };
  errors: readonly number[];
}

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

const ERROR_BODIES: Record<number, { description: string; schemas: string[] }> = {
  400: { description: 'Invalid parameters, naming the field', schemas: ['ParamsError', 'Message'] },
  401: { description: 'No, unknown, revoked or expired token', schemas: ['Message', 'OAuthError'] },
  403: { description: 'Insufficient scope, not allowed, or a sudo refusal', schemas: ['Message', 'OAuthError'] },
  404: { description: 'Not found, or not visible to the caller', schemas: ['Message'] },
  409: { description: 'Already taken', schemas: ['Message'] },
  413: { description: 'Request body too large', schemas: ['Message'] },
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
};

function json(schema: Schema): Schema {
  return { 'application/json': { schema } };
}

function success(ok: OperationSpec['ok']): Schema {
  const description = ok.description ?? (ok.status === 204 ? 'No content' : 'Success');
  if (!ok.schema) return { description };
  const one = typeof ok.schema === 'string' ? ref(ok.schema) : { oneOf: ok.schema.map(ref) };
  const body = ok.list ? { type: 'array', items: one } : one;
  return { description, content: json(body), ...(ok.list ? { headers: PAGINATION_HEADERS } : {}) };
}

function fields(params: Record<string, Schema>): { properties: Record<string, Schema>; required: string[] } {
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const [raw, schema] of Object.entries(params)) {
    const name = raw.replace(/!$/, '');
    properties[name] = schema;
    if (raw.endsWith('!')) required.push(name);
  }
  return { properties, required };
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

/** The OpenAPI operation for `method path` described by `spec`. */
export function operation(method: string, path: string, spec: OperationSpec): Schema {
  const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    description: PATH_PARAMS[name ?? ''] ?? name,
    schema: { type: 'string' },
  }));
  const { properties, required } = fields(spec.params ?? {});
  const inQuery = method === 'get' || method === 'delete';
  const queryParams = inQuery
    ? Object.entries(properties).map(([name, schema]) => ({ name, in: 'query', required: required.includes(name), schema }))
    : [];
  const body = { type: 'object', properties, ...(required.length ? { required } : {}) };
  return {
    summary: spec.summary,
    operationId: operationId(method, path),
    tags: [spec.tag],
    description: `Token scopes: ${spec.scopes}.${spec.anonymous ? ' Works without a token (public projects only).' : ''}`,
    parameters: [...pathParams, ...queryParams, { $ref: '#/components/parameters/Sudo' }],
    ...(!inQuery && Object.keys(properties).length > 0 ? { requestBody: requestBody(body, required.length > 0) } : {}),
    responses: {
      [String(spec.ok.status)]: success(spec.ok),
      ...Object.fromEntries(
        spec.errors.map((status) => {
          const e = ERROR_BODIES[status] ?? { description: 'Error', schemas: ['Message'] };
          return [String(status), { description: e.description, content: json({ oneOf: e.schemas.map(ref) }) }];
        }),
      ),
    },
    ...(spec.anonymous ? { security: [{}, { privateToken: [] }, { privateTokenQuery: [] }, { bearer: [] }] } : {}),
  };
}
