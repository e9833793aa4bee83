/**
 * GET|HEAD `info/refs?service=…`: the ref advertisement that starts every
 * smart-HTTP exchange.
 */
import { answer, NO_CACHE_HEADERS, sendGitText } from './git-errors.js';
import { parseGitProtocol } from './git-protocol.js';
import { runGitService } from './git-process.js';
import { authorizeGit, type GitHandler, type GitHandlerContext } from './git-request.js';
import { serviceAdvertisementPreamble } from './pkt-line.js';

/**
 * Answers the ref advertisement. Without a known `service` this is a
 * dumb-HTTP request, which gitgate does not serve (404, like Workhorse).
 * HEAD is authorized like GET and answered with headers only; git is not run.
 * A protocol v2 answer (capabilities only, no refs) comes from the
 * V2AdvertisementCache when it has git's bytes for this configuration.
 */
export function infoRefsHandler(ctx: GitHandlerContext): GitHandler {
  return async (req, res, target) => {
    const service = req.query.service;
    if (service !== 'git-upload-pack' && service !== 'git-receive-pack') {
      sendGitText(res, answer(404, 'Not Found'));
      return;
    }
    const grant = await authorizeGit(ctx, req, res, target, service);
    if (!grant) return;
    const contentType = `application/x-${service}-advertisement`;
    if (req.method === 'HEAD') {
      res.writeHead(200, { ...NO_CACHE_HEADERS, 'Content-Type': contentType });
      res.end();
      return;
    }
    const protocol = parseGitProtocol(req.get('git-protocol'), service);
    if (protocol.v2 && protocol.env) {
      const cached = await ctx.advertisements.advertisement(grant.repoPath, protocol.env);
      if (cached) {
        res.writeHead(200, { ...NO_CACHE_HEADERS, 'Content-Type': contentType, 'Content-Length': String(cached.length) });
        res.end(cached);
        return;
      }
    }
    await runGitService(
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
