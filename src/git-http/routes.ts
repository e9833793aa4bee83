/**
 * The git smart-HTTP surface: a route table over `/<namespace>/<project>[.git]/…`
 * that dispatches to one handler per verb.
 */
import os from 'node:os';
import { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { GitAuthorizer } from '../auth/git-authorization.js';
import type { GitLauncher } from '../git/git-child.js';
import { DEFAULT_GIT_PATH } from '../git/git-env.js';
import { answer, gitErrorAnswer, sendGitText } from './git-errors.js';
import { GitOperations } from '../git/git-operations.js';
import { matchGitPath, type GitEndpoint } from './git-path.js';
import type { GitHandler, GitHandlerContext } from './git-request.js';
import { infoRefsHandler } from './info-refs.js';
import { statelessRpcHandler } from './stateless-rpc.js';
import { GitAnswerCache } from '../git/git-answer-cache.js';
import { FetchResponseCache } from '../git/fetch-cache/fetch-response-cache.js';
import { registerFetchCacheMetrics } from '../git/fetch-cache/fetch-cache-metrics.js';

export { GitOperations } from '../git/git-operations.js';

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
  /** Where and how much of clone answers to keep (see FetchResponseCache); absent: not cached. */
  fetchCache?: { dir: string; maxBytes: number; maxAgeMs: number };
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
}

const ALLOWED_METHODS: Record<GitEndpoint, readonly string[]> = {
  'info-refs': ['GET', 'HEAD'],
  'git-upload-pack': ['POST'],
  'git-receive-pack': ['POST'],
};

/**
 * Creates the router for git smart HTTP:
 * `GET|HEAD /:namespace/:project(.git)?/info/refs?service=git-upload-pack|git-receive-pack`,
 * `POST …/git-upload-pack` and `POST …/git-receive-pack`.
 *
 * Every route is authorized through `deps.authorizer` before anything is
 * spawned. Other paths under a repository (dumb HTTP), malformed or
 * traversing paths answer 404, wrong methods 405, all text/plain; paths that
 * are not git's fall through to the next route. Mount it before any body
 * parser or response compression.
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
  };
  const fetchCache = deps.options.fetchCache;
  const fetches = fetchCache && fetchCache.maxBytes > 0 ? new FetchResponseCache({ ...processOptions, ...fetchCache, logger: deps.logger }) : null;
  if (fetches && deps.metrics) registerFetchCacheMetrics(deps.metrics, fetches);
  const ctx: GitHandlerContext = {
    authorizer: deps.authorizer,
    logger: deps.logger,
    process: { logger: deps.logger, operations: deps.operations ?? new GitOperations(), options: processOptions },
    wording: deps.options.externalUrl ? { externalUrl: deps.options.externalUrl } : {},
    answers: new GitAnswerCache({ ...processOptions, timeoutMs: Math.min(processOptions.timeoutMs, 30_000) }),
    fetches,
  };
  const handlers: Record<GitEndpoint, GitHandler> = {
    'info-refs': infoRefsHandler(ctx),
    'git-upload-pack': statelessRpcHandler(ctx, 'git-upload-pack'),
    'git-receive-pack': statelessRpcHandler(ctx, 'git-receive-pack'),
  };

  const router = Router();
  router.use(async (req: Request, res: Response, next: (err?: unknown) => void) => {
    const match = matchGitPath(req.path);
    if (match === null) return next();
    if (match.kind === 'not-found') return sendGitText(res, answer(404, 'Not Found'));
    const allowed = ALLOWED_METHODS[match.endpoint];
    if (!allowed.includes(req.method)) {
      return sendGitText(res, answer(405, 'Method Not Allowed', { Allow: allowed.join(', ') }));
    }
    try {
      await handlers[match.endpoint](req, res, { namespace: match.namespace, project: match.project });
    } catch (err) {
      deps.logger.error({ err, endpoint: match.endpoint }, 'git request failed');
      sendGitText(res, gitErrorAnswer(err));
    }
  });
  return router;
}
