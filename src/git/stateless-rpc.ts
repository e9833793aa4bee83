/**
 * POST `git-upload-pack` (wants and haves in, a pack out: clone, fetch) and
 * POST `git-receive-pack` (ref updates and a pack in, a status report out:
 * push). Both are one `git <service> --stateless-rpc` over the request body,
 * run once the request is well-formed and authorized.
 *
 * A push is all-or-nothing because of git: receive-pack keeps incoming
 * objects in a quarantine and updates refs only after the whole pack was
 * received and checked, so a push cut short leaves every ref as it was.
 */
import type { GitService } from './git-authorizer.js';
import { sendGitText } from './git-errors.js';
import { parseGitProtocol } from './git-protocol.js';
import { runGitService } from './git-process.js';
import { authorizeGit, type GitHandler, type GitHandlerContext } from './git-request.js';
import { checkRpcRequest } from './rpc-request.js';

/** The handler for POST `<repo>/<service>`. */
export function statelessRpcHandler(ctx: GitHandlerContext, service: GitService): GitHandler {
  return async (req, res, target) => {
    const body = checkRpcRequest(req, service);
    if ('status' in body) {
      sendGitText(res, body);
      return;
    }
    const grant = await authorizeGit(ctx, req, res, target, service);
    if (!grant) return;
    await runGitService(
      req,
      res,
      {
        service,
        repoPath: grant.repoPath,
        advertiseRefs: false,
        gitProtocol: parseGitProtocol(req.get('git-protocol'), service).env,
        contentType: `application/x-${service}-result`,
        preamble: null,
        body,
      },
      ctx.process,
    );
  };
}
