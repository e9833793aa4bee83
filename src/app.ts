/**
 * createApp(deps): wires the HTTP edges onto one Express application and
 * nothing else. No module-level state, so tests build as many as they like.
 */
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ApiDeps } from './api/v4/api-deps.js';
import { createApiRouter } from './api/v4/api-router.js';
import type { GitAuthorizer } from './auth/git-authorization.js';
import { createGitRouter, type GitHttpOptions } from './git-http/routes.js';
import type { GitCaches } from './git/git-caches.js';
import type { GitOperations } from './git/git-operations.js';
import type { GitOutcomeMetrics } from './git/operation-outcomes.js';
import type { RepositoryPushes } from './git/repository-pushes.js';
import { matchGitPath } from './git-http/git-path.js';
import { accessLog } from './http/access-log.js';
import { bodyDeadline } from './http/body-deadline.js';
import { lastResortErrors, notFound } from './http/fallback.js';
import { healthRoutes } from './http/health.js';
import type { ReadinessCheck } from './lib/readiness.js';
import { httpMetrics } from './http/http-metrics.js';
import { createRegistryRouter, type RegistryRouterDeps } from './registry/registry.routes.js';
import { createWebRouter, type WebDeps } from './web/web-router.js';

export interface AppDeps {
  logger: Logger;
  /** Proxies whose X-Forwarded-For is believed (addresses or CIDRs); empty: none. */
  trustedProxies: readonly string[];
  checkReady: () => Promise<ReadinessCheck[]>;
  /** Time after the headers within which a request that is not git's must have sent its whole body. */
  bodyTimeoutMs: number;
  /** Registry served at `/-/metrics`; the HTTP request instruments are registered on it. */
  metrics: Registry;
  /** Client addresses/CIDRs that may use `/-/health`, `/-/liveness`, `/-/readiness` and `/-/metrics`. */
  monitoringAllowlist: readonly string[];
  /** The GitLab-v4-compatible REST API under `/api/v4`. */
  api: Omit<ApiDeps, 'logger'>;
  /** Sign-in and the settings pages (access tokens, two-factor authentication). */
  web: Omit<WebDeps, 'logger'>;
  /** The container registry token endpoint, `GET /jwt/auth`. */
  registry: Omit<RegistryRouterDeps, 'logger'>;
  git: {
    authorizer: GitAuthorizer;
    operations: GitOperations;
    /** Git operations by outcome, shared with the SSH edge. */
    outcomes: GitOutcomeMetrics;
    options: GitHttpOptions;
    /** Pushes in flight per repository (housekeeping waits for them). */
    pushes?: RepositoryPushes;
    /** The upload-pack caches, shared with the SSH edge (absent: the router makes its own). */
    caches?: GitCaches;
  };
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  // Only configured proxies may set the client address; otherwise req.ip is the socket's.
  app.set('trust proxy', deps.trustedProxies.length > 0 ? [...deps.trustedProxies] : false);
  app.use(httpMetrics(deps.metrics));
  app.use(accessLog(deps.logger));
  // git's endpoints keep their own idle and total timeouts: a push may stream for an hour.
  app.use(bodyDeadline({ timeoutMs: deps.bodyTimeoutMs, exempt: (path) => matchGitPath(path)?.kind === 'smart', logger: deps.logger }));
  app.use(healthRoutes({ checkReady: deps.checkReady, logger: deps.logger, metrics: deps.metrics, allowlist: deps.monitoringAllowlist }));
  app.use('/api/v4', createApiRouter({ ...deps.api, logger: deps.logger }));
  app.use(createRegistryRouter({ ...deps.registry, logger: deps.logger }));
  app.use(
    createGitRouter({
      authorizer: deps.git.authorizer,
      logger: deps.logger,
      options: deps.git.options,
      operations: deps.git.operations,
      metrics: deps.metrics,
      outcomes: deps.git.outcomes,
      ...(deps.git.pushes ? { pushes: deps.git.pushes } : {}),
      caches: deps.git.caches,
    }),
  );
  app.use(createWebRouter({ ...deps.web, logger: deps.logger }));
  app.use(notFound);
  app.use(lastResortErrors(deps.logger));
  return app;
}
