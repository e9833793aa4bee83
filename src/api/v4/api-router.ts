/**
 * The GitLab-v4-compatible REST API, mounted by app.ts at `/api/v4`:
 * body parsing with size limits, the OpenAPI document, credential
 * extraction, authentication (tokens, sudo, the failed-auth guard), the
 * resource routes, and GitLab's JSON for every failure.
 */
import express, { Router } from 'express';
import { claimSurface } from '../../http/request-state.js';
import { adminTokenRoutes } from './admin-token.routes.js';
import { apiErrorHandler, apiNotFound } from './api-errors.js';
import { auditEventRoutes } from './audit-events.routes.js';
import type { ApiDeps } from './api-deps.js';
import { authenticate } from './authenticate.js';
import { extractToken } from './extract-token.js';
import { housekeepingRoutes } from './housekeeping.routes.js';
import { memberRoutes } from './members.routes.js';
import { metadataRoutes } from './metadata.routes.js';
import { openApiDocument } from './openapi/document.js';
import { personalAccessTokenRoutes } from './personal-access-tokens.routes.js';
import { projectRoutes } from './projects.routes.js';
import { repositoryRoutes } from './repository.routes.js';
import { mountRoutes, type ApiRoute } from './route.js';
import { userTokenRoutes } from './user-tokens.routes.js';
import { sendJson } from './send-json.js';
import { sshKeyRoutes } from './ssh-keys.routes.js';
import { userRoutes } from './users.routes.js';


/** Every API endpoint, in matching order (`/self` before `/:id`). */
export function apiRoutes(deps: ApiDeps): ApiRoute[] {
  return [
    ...userRoutes(deps),
    ...userTokenRoutes(deps),
    ...sshKeyRoutes(deps),
    ...projectRoutes(deps),
    ...memberRoutes(deps),
    ...housekeepingRoutes(deps),
    ...repositoryRoutes(deps),
    ...personalAccessTokenRoutes(deps),
    ...adminTokenRoutes(deps),
    ...auditEventRoutes(deps),
    ...metadataRoutes(),
  ];
}

/**
 * Creates the `/api/v4` router.
 *
 * @example
 * app.use('/api/v4', createApiRouter({ users, tokens, projects, logger, externalUrl }));
 */
export function createApiRouter(deps: ApiDeps): Router {
  const router = Router();
  router.use((_req, res, next) => {
    claimSurface(res, 'api');
    next();
  });
  const limit = deps.bodyLimit ?? '1mb';
  router.use(express.json({ limit }));
  // `extended` reads `scopes[]=a&scopes[]=b` as an array, as Rack does.
  router.use(express.urlencoded({ extended: true, limit, parameterLimit: 1000 }));
  const routes = apiRoutes(deps);
  const document = openApiDocument(deps.externalUrl, routes);
  router.get('/openapi.json', (_req, res) => {
    sendJson(res, 200, document);
  });
  router.use(extractToken);
  router.use(authenticate({ tokens: deps.tokens, users: deps.users, ...(deps.guarded ? { guarded: deps.guarded } : {}) }));
  mountRoutes(router, routes, deps.externalUrl);
  router.use(apiNotFound);
  router.use(apiErrorHandler(deps.logger));
  return router;
}
