/**
 * The one place smart HTTP authorizes: a route of the table bound to the
 * authorizer. Its checks made before authorization run first, then the
 * admitted service is authorized, then the handler runs with the grant.
 */
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { GitAuthorizer, GitGrant } from '../auth/git-authorization.js';
import { AppError } from '../lib/errors.js';
import { logFailure } from '../lib/log-failure.js';
import { parseBasicCredentials } from '../http/basic-credentials.js';
import { clientIp } from '../http/client-ip.js';
import { requestLogger, requestState } from '../http/request-state.js';
import { gitErrorAnswer, sendGitText, type GitErrorWording } from './git-errors.js';
import type { GitAdmission, GitRoute } from './git-request.js';
import type { GitOutcome, GitOutcomeMetrics } from '../git/operation-outcomes.js';

/** The repository a request names, already validated and decoded. */
export interface GitTarget {
  namespace: string;
  project: string;
}

/** What authorization needs besides the request. */
export interface RouteAuthorization {
  authorizer: GitAuthorizer;
  logger: Logger;
  /** Where each admitted request is counted as a git operation. */
  metrics: GitOutcomeMetrics;
  /** Wording of refusals (where to create a token). */
  wording: GitErrorWording;
}

/** A route ready to serve: admit, authorize, then handle. */
export interface AuthorizedRoute {
  methods: readonly string[];
  /** Answers the request completely; rejects only when the handler does. */
  serve(req: Request, res: Response, target: GitTarget): Promise<void>;
}

/**
 * Binds `route` to authorization. A request `admit` refuses is answered
 * without asking the authorizer (and is no git operation); a refused
 * authorization is answered as git text; the handler is called only with the
 * grant. Every admitted request is one git operation in `auth.metrics`.
 */
export function authorizedRoute<A extends GitAdmission>(route: GitRoute<A>, auth: RouteAuthorization): AuthorizedRoute {
  return {
    methods: route.methods,
    serve: async (req, res, target) => {
      const admission = route.admit(req);
      if ('status' in admission) return sendGitText(res, admission);
      const finish = auth.metrics.start('http', admission.service);
      let outcome: GitOutcome = 'error';
      try {
        const grant = await authorize(auth, req, res, target, admission.service);
        outcome = 'outcome' in grant ? grant.outcome : await route.handler(req, res, grant, admission);
      } finally {
        finish(outcome);
      }
    },
  };
}

/**
 * Asks the authorizer whether `service` may run on `target`, recording
 * repository, service and principal for the access log. On refusal the git
 * text answer is sent and the outcome returned: `refused` for a refusal,
 * `error` when authorization itself failed (5xx).
 */
async function authorize(
  auth: RouteAuthorization,
  req: Request,
  res: Response,
  target: GitTarget,
  service: GitAdmission['service'],
): Promise<GitGrant | { outcome: GitOutcome }> {
  const state = requestState(res);
  state.repo = `${target.namespace}/${target.project}`;
  state.service = service;
  try {
    const grant = await auth.authorizer.authorize({
      ...target,
      service,
      credentials: parseBasicCredentials(req.get('authorization')),
      ip: clientIp(req),
    });
    state.principal = grant.principal;
    return grant;
  } catch (err) {
    const failed = !(err instanceof AppError) || err.status >= 500;
    if (failed) logFailure(requestLogger(res, auth.logger), err, { gitService: service, repo: state.repo }, 'git authorization failed');
    sendGitText(res, gitErrorAnswer(err, auth.wording));
    return { outcome: failed ? 'error' : 'refused' };
  }
}
