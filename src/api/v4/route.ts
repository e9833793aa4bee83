/**
 * The API's route table: each endpoint is declared once with its method,
 * path, accepted token scopes, who may call it, its parameter schema and
 * what the OpenAPI document says of it (which is generated from here).
 * Mounting applies GitLab's checks in GitLab's order — token scopes (unless
 * sudo), then authentication, then the administrator requirement, then
 * parameter validation — and sends the handler's reply as JSON.
 */
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { identityOf, type Identity } from '../../identity/principal.js';
import { ABILITY_SCOPES, scopesAllow } from '../../identity/scopes.js';
import { ForbiddenError, InsufficientScopeError, UnauthorizedError } from '../../lib/errors.js';
import { apiLocals, type ApiAuth } from './api-state.js';
import type { RouteDoc } from './openapi/route-doc.js';
import { setPaginationHeaders, type Page } from './pagination.js';
import { bodyParams, parseParams, requestParams } from './params.js';
import { sendJson } from './send-json.js';

/** The HTTP methods the API routes use (GET also answers HEAD). */
export type Method = 'get' | 'post' | 'put' | 'delete';

/** Token scopes an endpoint accepts: a DESIGN.md ability, or any scope (the `/self` endpoints). */
export type RouteScope = 'read_user' | 'read_api' | 'write_api' | 'any';

/**
 * What a handler answers: the JSON body and the page it is (nothing for a
 * 204). The status is the route's declared success status.
 */
export interface Reply {
  body?: unknown;
  page?: { page: Page; total: number };
}

/** What a handler receives. */
export interface RouteContext<P> {
  /** Query and body parameters, validated. */
  params: P;
  /** URL path parameters (`:id`), still strings. */
  path: Record<string, string>;
  auth: ApiAuth;
  /** The caller, or null when anonymous (only on routes that allow it). */
  viewer: Identity | null;
  /** The caller on routes that require authentication. */
  caller: Identity;
}

/** One endpoint, as declared by a routes module. */
export interface RouteDef<S extends z.ZodType> extends RouteDoc {
  method: Method;
  /** Express path under `/api/v4`, e.g. `/projects/:id/members/:user_id`. */
  path: string;
  summary: string;
  scope: RouteScope;
  /** Anonymous callers allowed (GET on public projects). */
  anonymous?: boolean;
  /** Administrators only (GitLab's `authenticated_as_admin!`). */
  admin?: boolean;
  /**
   * `body`: parameters are read from the body only, never the query string
   * (a secret sent as a parameter would reach proxy and server access logs).
   */
  paramsIn?: 'body';
  params?: S;
  handle(ctx: RouteContext<z.output<S>>): Promise<Reply | void>;
}

/** A declared endpoint with its parameter type erased, ready to mount or document. */
export interface ApiRoute extends RouteDoc {
  method: Method;
  path: string;
  summary: string;
  scope: RouteScope;
  anonymous: boolean;
  admin: boolean;
  paramsIn: 'request' | 'body';
  params: z.ZodType | null;
  run(req: Request, auth: ApiAuth): Promise<Reply | void>;
}

const NO_PARAMS = z.object({});

/** Named path segments; the API declares no wildcards, so every value is one string. */
function pathParams(req: Request): Record<string, string> {
  return Object.fromEntries(Object.entries(req.params).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

function checkScope(auth: ApiAuth, scope: RouteScope): void {
  const p = auth.principal;
  // GitLab checks the endpoint's scopes only when not acting through sudo.
  if (p.kind !== 'token' || auth.sudo || scope === 'any') return;
  if (!scopesAllow(p.scopes, scope)) throw new InsufficientScopeError(ABILITY_SCOPES[scope]);
}

/**
 * Declares an endpoint.
 *
 * @example
 * route({ method: 'get', path: '/user', summary: 'The caller', scope: 'read_user',
 *   tag: 'users', success: { status: 200, body: 'UserPublic' }, errors: [],
 *   handle: async ({ caller }) => ({ body: caller }) });
 */
export function route<S extends z.ZodType = typeof NO_PARAMS>(def: RouteDef<S>): ApiRoute {
  const anonymous = def.anonymous ?? false;
  const admin = def.admin ?? false;
  return {
    method: def.method,
    path: def.path,
    summary: def.summary,
    scope: def.scope,
    anonymous,
    admin,
    paramsIn: def.paramsIn ?? 'request',
    params: def.params ?? null,
    tag: def.tag,
    success: def.success,
    errors: def.errors,
    ...(def.description !== undefined ? { description: def.description } : {}),
    async run(req, auth) {
      checkScope(auth, def.scope);
      const viewer = identityOf(auth.principal);
      if (!viewer && !anonymous) throw new UnauthorizedError('missing');
      if (admin && !viewer?.isAdmin) throw new ForbiddenError('403 Forbidden');
      const input = def.paramsIn === 'body' ? bodyParams(req) : requestParams(req);
      const params = parseParams(def.params ?? NO_PARAMS, input) as z.output<S>;
      return def.handle({
        params,
        path: pathParams(req),
        auth,
        viewer,
        get caller(): Identity {
          if (!viewer) throw new UnauthorizedError('missing');
          return viewer;
        },
      });
    },
  };
}

function send(req: Request, res: Response, status: number, reply: Reply, externalUrl: string): void {
  if (reply.page) setPaginationHeaders(req, res, externalUrl, reply.page.page, reply.page.total);
  if (status === 204) {
    res.status(204).end();
    return;
  }
  sendJson(res, status, reply.body);
}

/** Mounts `routes` on `router`; failures go to the router's error handler. */
export function mountRoutes(router: Router, routes: readonly ApiRoute[], externalUrl: string): void {
  for (const r of routes) {
    router[r.method](r.path, async (req, res) => {
      const auth = apiLocals(res).apiAuth;
      if (!auth) throw new Error('API route reached without authentication');
      send(req, res, r.success.status, (await r.run(req, auth)) ?? {}, externalUrl);
    });
  }
}
