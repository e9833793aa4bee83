/**
 * The answer when GitOperations will not take one more operation: shutting
 * down, or a concurrency limit reached.
 */
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { clientIp } from '../http/client-ip.js';
import { requestLogger } from '../http/request-state.js';
import { OverloadedError, TooManyRequestsError } from '../lib/errors.js';
import { gitErrorAnswer, sendGitText } from './git-errors.js';

/**
 * Answers `err` from GitOperations.begin as git text (429 or 503 with
 * Retry-After for a limit) and logs a limit's refusal. A request whose body
 * has not all arrived gets `Connection: close`: the rest may never come (a
 * stalled upload is what the limits are for), and the connection must not
 * stay open waiting for it.
 */
export function refuseOperation(req: Request, res: Response, err: unknown, logger: Logger): void {
  const answer = gitErrorAnswer(err);
  if (!req.complete) answer.headers = { ...answer.headers, Connection: 'close' };
  if (err instanceof TooManyRequestsError || err instanceof OverloadedError) {
    requestLogger(res, logger).warn({ ip: clientIp(req), status: answer.status }, 'git operation refused: concurrency limit reached');
  }
  sendGitText(res, answer);
}
