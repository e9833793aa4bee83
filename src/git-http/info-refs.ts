/**
 * GET|HEAD `info/refs?service=…`: the ref advertisement that starts every
 * smart-HTTP exchange.
 */
import type { Request } from 'express';
import { answer, NO_CACHE_HEADERS, type GitTextAnswer } from './git-errors.js';
import { parseGitProtocol } from '../git/git-protocol.js';
import { runGitService } from './http-exchange.js';
import type { GitAdmission, GitHandler, GitHandlerContext } from './git-request.js';
import { serviceAdvertisementPreamble } from '../git/pkt-line.js';
import { askAnswerCache } from './ask-answer-cache.js';

/**
 * The check made before authorization: the service named by `?service=`.
 * Without a known one this is a dumb-HTTP request, which gitgate does not
 * serve (404, like Workhorse).
 */
export function infoRefsAdmission(req: Request): GitAdmission | GitTextAnswer {
  const service = req.query.service;
  if (service !== 'git-upload-pack' && service !== 'git-receive-pack') return answer(404, 'Not Found');
  return { service };
}

/**
 * Answers the ref advertisement of the granted repository. HEAD is answered
 * with headers only; git is not run. An upload-pack advertisement comes from
 * the GitAnswerCache when it holds git's bytes for this configuration (and,
 * below v2, these refs).
 */
export function infoRefsHandler(ctx: GitHandlerContext): GitHandler {
  return async (req, res, grant, { service }) => {
    const contentType = `application/x-${service}-advertisement`;
    if (req.method === 'HEAD') {
      res.writeHead(200, { ...NO_CACHE_HEADERS, 'Content-Type': contentType });
      res.end();
      return 'ok';
    }
    const protocol = parseGitProtocol(req.get('git-protocol'), service);
    // While draining, git's usual path refuses with 503 so clients retry elsewhere.
    if (service === 'git-upload-pack' && !ctx.process.operations.closing) {
      const cached = await askAnswerCache(ctx, req, res, grant.repoPath, { kind: 'advertisement', gitProtocol: protocol.env });
      if (cached === 'refused') return 'refused';
      if (cached) {
        const preamble = protocol.v2 ? null : serviceAdvertisementPreamble(service);
        const body = preamble ? Buffer.concat([preamble, cached.bytes]) : cached.bytes;
        res.writeHead(200, { ...NO_CACHE_HEADERS, 'Content-Type': contentType, 'Content-Length': String(body.length) });
        res.end(body);
        return cached.ranGit ? 'ok' : 'cached';
      }
    }
    return runGitService(
      req,
      res,
      {
        service,
        repoPath: grant.repoPath,
        advertiseRefs: true,
        gitProtocol: protocol.env,
        contentType,
        // git http-backend omits the preamble in v2: the response starts with "version 2".
        preamble: protocol.v2 ? null : serviceAdvertisementPreamble(service),
        body: null,
      },
      ctx.process,
    );
  };
}
