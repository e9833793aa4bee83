/**
 * The dispatch of one exec request: parse the git command, re-check the
 * connection's credential, authorize exactly as over HTTP — once, here —
 * then hand the GitGrant to the runner (runGitOverSsh, or serveUploadPack
 * for upload-pack when the caches are given), which cannot run without one;
 * or refuse with one line and an exit status.
 */
import type { Logger } from 'pino';
import type { ServerChannel } from 'ssh2';
import type { GitAuthorizationService } from '../auth/git-authorization.service.js';
import type { GitCommandService } from '../identity/git-service.js';
import { principalSummary } from '../identity/principal.js';
import type { SshAuthService, SshPrincipal } from '../auth/ssh-auth.service.js';
import { parseGitProtocol } from '../git/git-protocol.js';
import { parseGitCommand } from './git-command.js';
import { finish, runGitOverSsh, type SshGitContext } from './ssh-git-process.js';
import { serveUploadPack } from './cached-upload-pack.js';
import type { GitCaches } from '../git/git-caches.js';
import type { FinishOperation, GitOutcomeMetrics } from '../git/operation-outcomes.js';
import { SshCommandError, sshRefusal } from './ssh-errors.js';
import { logFailure } from '../lib/log-failure.js';

/** What every command on the server needs. */
export interface SshCommandDeps {
  auth: SshAuthService;
  access: GitAuthorizationService;
  logger: Logger;
  /** Where each git command is counted and timed by outcome (shared with the HTTP edge). */
  outcomes: GitOutcomeMetrics;
  git: Omit<SshGitContext, 'onActivity' | 'logger' | 'client'>;
  /** The upload-pack caches shared with the HTTP edge; absent: git serves every command. */
  caches?: GitCaches;
}

/** The connection a command runs on. */
export interface SshCommandOrigin {
  principal: SshPrincipal;
  ip: string;
  /** The client's GIT_PROTOCOL (env request), not yet validated. */
  gitProtocol: string | null;
  onActivity(): void;
  /** Called once the command's git operation was admitted (see CommandAdmission). */
  onAdmitted?(): void;
}

/**
 * Serves `command` on `channel` completely; never rejects. Every command is
 * authorized here before its runner is called with the grant; each one
 * naming a git service is a git operation in `deps.outcomes`.
 */
export async function runSshCommand(
  channel: ServerChannel,
  command: string,
  origin: SshCommandOrigin,
  deps: SshCommandDeps,
): Promise<void> {
  let service: GitCommandService | undefined;
  let record: FinishOperation | null = null;
  const log = { ip: origin.ip, ...principalSummary(origin.principal) };
  try {
    const parsed = parseGitCommand(command);
    service = parsed.service;
    record = deps.outcomes.start('ssh', service);
    const principal = await deps.auth.recheck(origin.principal);
    const grant = await deps.access.authorizePrincipal(principal, parsed.namespace, parsed.project, parsed.service);
    deps.logger.info({ ...log, gitService: service, repo: `${parsed.namespace}/${parsed.project}` }, 'ssh git command');
    const run = {
      service,
      // upload-archive has no protocol v2; the pair gets Gitea's validation.
      gitProtocol: service === 'git-upload-archive' ? null : parseGitProtocol(origin.gitProtocol ?? undefined, service).env,
    };
    const ctx = { ...deps.git, logger: deps.logger, client: origin.ip, onActivity: origin.onActivity, ...(origin.onAdmitted ? { onAdmitted: origin.onAdmitted } : {}) };
    // While draining, git's usual path refuses the command.
    const outcome =
      service === 'git-upload-pack' && deps.caches && !ctx.operations.closing
        ? await serveUploadPack(channel, grant, run, ctx, deps.caches)
        : await runGitOverSsh(channel, grant, run, ctx);
    record(outcome);
  } catch (err) {
    const refusal = sshRefusal(err, service);
    // The client's own command line stays out of the log: someone may have typed a token there.
    const reason = err instanceof SshCommandError ? 'unsupported command' : refusal.message;
    if (refusal.expected) deps.logger.info({ ...log, gitService: service, refusal: reason }, 'ssh command refused');
    else logFailure(deps.logger, err, { ...log, gitService: service }, 'ssh command failed');
    record?.(refusal.expected ? 'refused' : 'error');
    finish(channel, refusal);
  }
}
