/**
 * The git smart-HTTP surface: a route table over `/<namespace>/<project>[.git]/…`.
 * Each route declares its methods and its checks made before authorization;
 * the table authorizes and hands the grant to the route's handler.
 */
import os from 'node:os';
import { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { GitAuthorizer } from '../auth/git-authorization.js';
import type { GitLauncher } from '../git/git-child.js';
import type { PushChecks } from '../git/push-checks.js';
import type { FileToSocket } from '../http/file-to-socket.js';
import { DEFAULT_GIT_PATH } from '../git/git-env.js';
import { answer, gitErrorAnswer, sendGitText } from './git-errors.js';
import { GitOperations } from '../git/git-operations.js';
import { matchGitPath, type GitEndpoint } from './git-path.js';
import { claimSurface, requestLogger } from '../http/request-state.js';
import type { GitHandlerContext } from './git-request.js';
import { authorizedRoute, type AuthorizedRoute, type RouteAuthorization } from './authorized-route.js';
import { infoRefsAdmission, infoRefsHandler } from './info-refs.js';
import { checkRpcRequest } from './rpc-request.js';
import { statelessRpcHandler } from './stateless-rpc.js';
import { createGitCaches, type GitCaches } from '../git/git-caches.js';
import type { RefUpdates } from '../git/ref-updates.js';
import { GitOutcomeMetrics } from '../git/operation-outcomes.js';
import type { RepositoryPushes } from '../git/repository-pushes.js';

/** Options of the git surface. */
export interface GitHttpOptions {
  /** git executable: a name looked up in `envPath`, or an absolute path. */
  gitBin: string;
  /** Total time one git request may take. */
  timeoutMs: number;
  /** Longest time a git request may pass without a byte in either direction. */
  idleTimeoutMs: number;
  /** Time between SIGTERM and SIGKILL when git must stop (default 5000). */
  killGraceMs?: number;
  /** Bytes of git's stderr kept for the log (default 8192). */
  stderrLimitBytes?: number;
  /** PATH given to git and its hooks (default: system directories only). */
  envPath?: string;
  /** HOME given to git (default: the OS temp directory; its config is never read). */
  homeDir?: string;
  /** Base URL of the gateway, used to tell 2FA users where to create a token. */
  externalUrl?: string;
  /** Starts git without forking the gateway (a GitSpawner); absent: spawned directly. */
  launcher?: GitLauncher;
  /** Secret push protection: pushes are scanned through it; absent: not scanned. */
  pushChecks?: PushChecks;
  /** Sends whole kept clone answers with sendfile(2) (loadFileToSocket); absent: they are copied through buffers. */
  fileToSocket?: FileToSocket;
  /** Where and how much of clone answers to keep (see FetchResponseCache); absent: not cached. */
  fetchCache?: { dir: string; maxBytes: number; maxAgeMs: number };
  /** Ref updates known beyond file timestamps (pushes here and announced by other instances); absent: timestamps alone. */
  refUpdates?: RefUpdates;
}

/** Dependencies of the git router. */
export interface GitRouterDeps {
  authorizer: GitAuthorizer;
  logger: Logger;
  options: GitHttpOptions;
  /** Where running git processes are registered; pass the one shutdown drains. */
  operations?: GitOperations;
  /** Where the caches' instruments are registered (`/-/metrics`). */
  metrics?: Registry;
  /** Where each git request is counted and timed by outcome; pass the one SSH shares (absent: a registry of its own, not exported). */
  outcomes?: GitOutcomeMetrics;
  /** Where pushes are registered while they run (shared with the SSH edge and housekeeping). */
  pushes?: RepositoryPushes;
  /** The upload-pack caches; pass the ones SSH shares (absent: made here from `options.fetchCache`). */
  caches?: GitCaches;
}

/**
 * Creates the router for git smart HTTP:
 * `GET|HEAD /:namespace/:project(.git)?/info/refs?service=git-upload-pack|git-receive-pack`,
 * `POST …/git-upload-pack` and `POST …/git-receive-pack`.
 *
 * For each request the table checks the method (405, with Allow), runs the
 * route's checks made before authorization (an unknown `?service=` is 404, a
 * wrong Content-Type or Content-Encoding 415), authorizes the admitted
 * service through `deps.authorizer`, and only then calls the route's handler
 * with the GitGrant (see authorizedRoute): handlers never authorize. Other
 * paths under a repository (dumb HTTP), malformed or traversing paths answer
 * 404, all text/plain; paths that are not git's fall through to the next
 * route. Mount it before any body parser or response compression.
 *
 * @example app.use(createGitRouter({ authorizer, logger, options: { gitBin: 'git', timeoutMs: 3_600_000, idleTimeoutMs: 300_000 }, operations }));
 */
export function createGitRouter(deps: GitRouterDeps): Router {
  const processOptions = {
    gitBin: deps.options.gitBin,
    timeoutMs: deps.options.timeoutMs,
    idleTimeoutMs: deps.options.idleTimeoutMs,
    killGraceMs: deps.options.killGraceMs ?? 5000,
    stderrLimitBytes: deps.options.stderrLimitBytes ?? 8192,
    envPath: deps.options.envPath ?? DEFAULT_GIT_PATH,
    homeDir: deps.options.homeDir ?? os.tmpdir(),
    launcher: deps.options.launcher,
    pushChecks: deps.options.pushChecks,
    fileToSocket: deps.options.fileToSocket,
  };
  const caches = deps.caches ?? createGitCaches({ ...processOptions, fetchCache: deps.options.fetchCache, refUpdates: deps.options.refUpdates }, deps.logger, deps.metrics);
  const ctx: GitHandlerContext = {
    logger: deps.logger,
    process: { logger: deps.logger, operations: deps.operations ?? new GitOperations(), options: processOptions },
    answers: caches.answers,
    fetches: caches.fetches,
    ...(deps.pushes ? { pushes: deps.pushes } : {}),
  };
  const auth: RouteAuthorization = {
    authorizer: deps.authorizer,
    logger: deps.logger,
    metrics: deps.outcomes ?? new GitOutcomeMetrics(new Registry()),
    wording: deps.options.externalUrl ? { externalUrl: deps.options.externalUrl } : {},
  };
  const routes: Record<GitEndpoint, AuthorizedRoute> = {
    'info-refs': authorizedRoute({ methods: ['GET', 'HEAD'], admit: infoRefsAdmission, handler: infoRefsHandler(ctx) }, auth),
    'git-upload-pack': authorizedRoute(
      { methods: ['POST'], admit: (req) => checkRpcRequest(req, 'git-upload-pack'), handler: statelessRpcHandler(ctx) },
      auth,
    ),
    'git-receive-pack': authorizedRoute(
      { methods: ['POST'], admit: (req) => checkRpcRequest(req, 'git-receive-pack'), handler: statelessRpcHandler(ctx) },
      auth,
    ),
  };

  const router = Router();
  router.use(async (req: Request, res: Response, next: (err?: unknown) => void) => {
    const match = matchGitPath(req.path);
    if (match === null) return next();
    claimSurface(res, 'git');
    if (match.kind === 'not-found') return sendGitText(res, answer(404, 'Not Found'));
    const route = routes[match.endpoint];
    if (!route.methods.includes(req.method)) {
      return sendGitText(res, answer(405, 'Method Not Allowed', { Allow: route.methods.join(', ') }));
    }
    try {
      await route.serve(req, res, { namespace: match.namespace, project: match.project });
    } catch (err) {
      requestLogger(res, deps.logger).error({ err, endpoint: match.endpoint }, 'git request failed');
      sendGitText(res, gitErrorAnswer(err));
    }
  });
  return router;
}
