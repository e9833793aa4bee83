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

/** The repository a request names, already validated and decoded. */
export interface GitTarget {
  namespace: string;
  project: string;
}

/** What authorization needs besides the request. */
export interface RouteAuthorization {
  authorizer: GitAuthorizer;
  logger: Logger;
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
 * without asking the authorizer; a refused authorization is answered as git
 * text; the handler is called only with the grant.
 */
export function authorizedRoute<A extends GitAdmission>(route: GitRoute<A>, auth: RouteAuthorization): AuthorizedRoute {
  return {
    methods: route.methods,
    serve: async (req, res, target) => {
      const admission = route.admit(req);
      if ('status' in admission) return sendGitText(res, admission);
      const grant = await authorize(auth, req, res, target, admission.service);
      if (grant) await route.handler(req, res, grant, admission);
    },
  };
}

/**
 * Asks the authorizer whether `service` may run on `target`, recording
 * repository, service and principal for the access log. On refusal the git
 * text answer is sent and null returned.
 */
async function authorize(
  auth: RouteAuthorization,
  req: Request,
  res: Response,
  target: GitTarget,
  service: GitAdmission['service'],
): Promise<GitGrant | null> {
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
    if (!(err instanceof AppError) || err.status >= 500) {
      logFailure(requestLogger(res, auth.logger), err, { gitService: service, repo: state.repo }, 'git authorization failed');
    }
    sendGitText(res, gitErrorAnswer(err, auth.wording));
    return null;
  }
}
