/**
 * POST `git-receive-pack`: ref updates and a pack in, a status report out (push).
 */
import { sendGitText } from './git-errors.js';
import { parseGitProtocol } from './git-protocol.js';
import { runGitService } from './git-process.js';
import { authorizeGit, type GitHandler, type GitHandlerContext } from './git-request.js';
import { checkRpcRequest } from './rpc-request.js';

const SERVICE = 'git-receive-pack';

/**
 * Runs `git receive-pack --stateless-rpc` on the request body once the request
 * is well-formed and authorized.
 * Atomicity comes from git: receive-pack keeps incoming objects in a
 * quarantine and updates refs only after the whole pack was received and
 * checked, so a push cut short leaves every ref as it was.
 */
export function receivePackHandler(ctx: GitHandlerContext): GitHandler {
  return async (req, res, target) => {
    const body = checkRpcRequest(req, SERVICE);
    if ('status' in body) {
      sendGitText(res, body);
      return;
    }
    const grant = await authorizeGit(ctx, req, res, target, SERVICE);
    if (!grant) return;
    await runGitService(
      req,
      res,
      {
        service: SERVICE,
        repoPath: grant.repoPath,
        advertiseRefs: false,
        gitProtocol: parseGitProtocol(req.get('git-protocol'), SERVICE).env,
        contentType: `application/x-${SERVICE}-result`,
        preamble: null,
        body,
      },
      ctx.process,
    );
  };
}
