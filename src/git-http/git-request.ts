/**
 * What every verb handler shares: its dependencies, the parsed target, and
 * the authorization step that must precede any spawn.
 */
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { AppError } from '../lib/errors.js';
import { requestState } from '../http/request-state.js';
import type { GitAuthorizer, GitGrant } from '../auth/git-authorization.js';
import type { GitService } from '../identity/git-service.js';
import { parseBasicCredentials } from '../http/basic-credentials.js';
import { gitErrorAnswer, sendGitText, type GitErrorWording } from './git-errors.js';
import type { GitProcessContext } from './http-exchange.js';
import type { GitAnswerCache } from '../git/git-answer-cache.js';
import type { FetchResponseCache } from '../git/fetch-cache/fetch-response-cache.js';
import { clientIp } from '../http/client-ip.js';
import { logFailure } from '../lib/log-failure.js';

/** The repository a request names, already validated and decoded. */
export interface GitTarget {
  namespace: string;
  project: string;
}

/** Dependencies of the verb handlers. */
export interface GitHandlerContext {
  authorizer: GitAuthorizer;
  logger: Logger;
  process: GitProcessContext;
  wording: GitErrorWording;
  /** Ref advertisements (info/refs, v2 ls-refs) reused instead of running git. */
  answers: GitAnswerCache;
  /** Clone answers shared and reused; null when disabled. */
  fetches: FetchResponseCache | null;
}

/** A verb handler: answers the request completely and never rejects. */
export type GitHandler = (req: Request, res: Response, target: GitTarget) => Promise<void>;

/**
 * Asks the authorizer whether `service` may run on `target`. On refusal the
 * git text answer is sent and null returned; the caller must then stop.
 */
export async function authorizeGit(
  ctx: GitHandlerContext,
  req: Request,
  res: Response,
  target: GitTarget,
  service: GitService,
): Promise<GitGrant | null> {
  const state = requestState(res);
  state.repo = `${target.namespace}/${target.project}`;
  state.service = service;
  try {
    const grant = await ctx.authorizer.authorize({
      ...target,
      service,
      credentials: parseBasicCredentials(req.get('authorization')),
      ip: clientIp(req),
    });
    state.principal = grant.principal;
    return grant;
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500) {
      logFailure(ctx.logger, err, { service, repo: state.repo }, 'git authorization failed');
    }
    sendGitText(res, gitErrorAnswer(err, ctx.wording));
    return null;
  }
}
