/**
 * POST `git-upload-pack` (wants and haves in, a pack out: clone, fetch) and
 * POST `git-receive-pack` (ref updates and a pack in, a status report out:
 * push). Both are one `git <service> --stateless-rpc` over the request body,
 * run once the route table found the request well-formed (checkRpcRequest)
 * and authorized it.
 *
 * A push is all-or-nothing because of git: receive-pack keeps incoming
 * objects in a quarantine and updates refs only after the whole pack was
 * received and checked, so a push cut short leaves every ref as it was.
 *
 * Small upload-pack requests are read whole first: a v2 `ls-refs` may come
 * from the GitAnswerCache, and a fresh fetch (a clone) from the
 * FetchResponseCache.
 */
import type { Request, Response } from 'express';
import { serveCachedFetch } from './cached-fetch.js';
import { requestLogger } from '../http/request-state.js';
import { isFreshFetch } from '../git/fetch-request.js';
import type { GitOutcome } from '../git/operation-outcomes.js';
import { GitAnswerCache } from '../git/git-answer-cache.js';
import type { GitGrant } from '../auth/git-authorization.js';
import { answer, NO_CACHE_HEADERS, sendGitText } from './git-errors.js';
import { parseGitProtocol, type GitProtocol } from '../git/git-protocol.js';
import { runGitService } from './http-exchange.js';
import type { GitHandler, GitHandlerContext } from './git-request.js';
import type { RpcAdmission } from './rpc-request.js';
import { isSmallRequest, readSmallRequest } from './small-request.js';
import { askAnswerCache } from './ask-answer-cache.js';

/** The handler for POST `<repo>/<service>`, on the granted repository. */
export function statelessRpcHandler(ctx: GitHandlerContext): GitHandler<RpcAdmission> {
  return async (req, res, grant, { service, gzip }) => {
    const protocol = parseGitProtocol(req.get('git-protocol'), service);
    const contentType = `application/x-${service}-result`;
    let buffered: Buffer | undefined;
    // Read whole only when a cache may answer: v2 (ls-refs, fetches) or v0 with the fetch cache on.
    if (service === 'git-upload-pack' && (protocol.v2 || ctx.fetches) && isSmallRequest(req)) {
      const read = await readSmallRequest(req, gzip, ctx.process.options.idleTimeoutMs);
      if (read === 'gone') return 'error';
      if (read === 'timeout') {
        // The rest of the body may never come: answer, then drop the connection.
        sendGitText(res, answer(408, 'Request Timeout', { Connection: 'close' }));
        return 'error';
      }
      const lsRefs = protocol.v2 ? await answerLsRefs(ctx, req, res, grant, protocol.env, read.decoded, contentType) : null;
      if (lsRefs) return lsRefs;
      const fromCache = await answerFreshFetch(ctx, req, res, grant, protocol, read.decoded, contentType);
      if (fromCache) return fromCache;
      buffered = read.raw;
    }
    const pushEnded = service === 'git-receive-pack' ? ctx.pushes?.begin({ repoPath: grant.repoPath, projectId: grant.projectId }) : undefined;
    const outcome = await runGitService(
      req,
      res,
      {
        service,
        repoPath: grant.repoPath,
        advertiseRefs: false,
        gitProtocol: protocol.env,
        contentType,
        preamble: null,
        body: { gzip, buffered },
        push: grant.push,
        notice: grant.notice,
      },
      ctx.process,
    );
    pushEnded?.(outcome === 'ok');
    return outcome;
  };
}

/** Answers a protocol v2 `ls-refs` from the GitAnswerCache (or refuses its fill), to its outcome; null when git must run. */
async function answerLsRefs(
  ctx: GitHandlerContext,
  req: Request,
  res: Response,
  grant: GitGrant,
  gitProtocol: string | null,
  request: Buffer | null,
  contentType: string,
): Promise<GitOutcome | null> {
  if (!request || !gitProtocol || !GitAnswerCache.isLsRefs(request) || ctx.process.operations.closing) return null;
  const cached = await askAnswerCache(ctx, req, res, grant.repoPath, { kind: 'ls-refs', gitProtocol, request });
  if (cached === 'refused') return 'refused';
  if (!cached) return null;
  res.writeHead(200, { ...NO_CACHE_HEADERS, 'Content-Type': contentType, 'Content-Length': String(cached.bytes.length) });
  res.end(cached.bytes);
  return cached.ranGit ? 'ok' : 'cached';
}

/** Answers a fresh fetch (a clone) from the FetchResponseCache, to its outcome; null when git must run for this request alone. */
async function answerFreshFetch(
  ctx: GitHandlerContext,
  req: Request,
  res: Response,
  grant: GitGrant,
  protocol: GitProtocol,
  request: Buffer | null,
  contentType: string,
): Promise<GitOutcome | null> {
  if (!ctx.fetches || !request || ctx.process.operations.closing || !isFreshFetch(request, protocol.v2)) return null;
  const cached = ctx.fetches.open(grant.repoPath, protocol.env, request, requestLogger(res, ctx.logger));
  if (!cached) return null;
  return serveCachedFetch(req, res, cached, { contentType, notice: grant.notice }, ctx.process);
}
