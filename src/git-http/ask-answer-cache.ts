/**
 * Asking the GitAnswerCache on behalf of one request: a fill runs git, so it
 * takes one of the client's git operations like any other git run (hits do
 * not), and a limit reached is answered as for any git run.
 */
import type { Request, Response } from 'express';
import type { GitAnswer, GitQuestion } from '../git/git-answer-cache.js';
import { clientIp } from '../http/client-ip.js';
import { TooManyRequestsError, UnavailableError } from '../lib/errors.js';
import type { GitHandlerContext } from './git-request.js';
import { refuseOperation } from './refuse-operation.js';

/**
 * The answer to `question` (and whether git ran for it), null when git must run the usual way, or
 * 'refused' when a concurrency limit (or shutdown) refused the fill and the
 * refusal was sent.
 */
export async function askAnswerCache(
  ctx: GitHandlerContext,
  req: Request,
  res: Response,
  repoPath: string,
  question: GitQuestion,
): Promise<GitAnswer | null | 'refused'> {
  // The fill is bounded by the cache's own timeout; shutdown waits for it rather than cutting it.
  const reserve = () => ctx.process.operations.begin(clientIp(req), () => undefined);
  try {
    return await ctx.answers.lookup(repoPath, question, reserve);
  } catch (err) {
    if (!(err instanceof TooManyRequestsError || err instanceof UnavailableError)) throw err;
    refuseOperation(req, res, err, ctx.logger);
    return 'refused';
  }
}
