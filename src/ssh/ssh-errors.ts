/**
 * The SSH surface's error mapping, done once: typed failures become the one
 * line git prints from the server's stderr (`ERROR: …`, GitLab Shell's
 * wording) and an exit status.
 */
import type { GitCommandService } from '../identity/git-service.js';
import { PROJECT_NOT_FOUND } from '../git/git-messages.js';
import {
  BannedError,
  ForbiddenError,
  InsufficientScopeError,
  NotFoundError,
  OverloadedError,
  TooManyRequestsError,
  UnauthorizedError,
  UnavailableError,
} from '../lib/errors.js';

/** A request the SSH surface does not serve: a shell, another command, a subsystem. */
export class SshCommandError extends Error {
  constructor(
    message: string,
    /** gitlab-shell exits 128 when it cannot run the command at all. */
    readonly exitStatus = 128,
  ) {
    super(message);
  }

  /** "Unknown command: ls" — only the first word, printable ASCII, bounded. */
  static unknown(command: string): SshCommandError {
    const name = (command.trim().split(/\s+/, 1)[0] ?? '').replace(/[^\x21-\x7e]/g, '?').slice(0, 64);
    return new SshCommandError(name ? `Unknown command: ${name}` : 'Unknown command');
  }

  /** A malformed repository path: the same answer as a missing project. */
  static notFound(): NotFoundError {
    return new NotFoundError('404 Project');
  }
}

/** What the client is told: one line on stderr and an exit status. */
export interface SshRefusal {
  message: string;
  exitStatus: number;
  /** False for failures of the server itself, which are logged. */
  expected: boolean;
}

const NO_LONGER_VALID = 'Access denied: the token or key this connection signed in with is no longer valid.';

/**
 * Maps any thrown value to the client's answer; unknown errors become a
 * generic line (details belong in the log). `service` words scope refusals.
 */
export function sshRefusal(err: unknown, service?: GitCommandService): SshRefusal {
  const refuse = (message: string, exitStatus = 1): SshRefusal => ({ message, exitStatus, expected: true });
  if (err instanceof SshCommandError) return refuse(err.message, err.exitStatus);
  if (err instanceof NotFoundError) return refuse(PROJECT_NOT_FOUND);
  if (err instanceof InsufficientScopeError) {
    // GitLab's auth_upload / auth_download, plus which scopes would do.
    const base = service === 'git-receive-pack' ? 'You are not allowed to upload code.' : 'You are not allowed to download code.';
    return refuse(`${base} The token needs one of the scopes ${err.required.join(', ')}.`);
  }
  if (err instanceof BannedError) return refuse(err.message);
  if (err instanceof ForbiddenError) return refuse(oneLine(err.message) || 'Forbidden');
  if (err instanceof UnauthorizedError) {
    if (err.reason === 'blocked') return refuse('Your account has been blocked.');
    if (err.reason === 'address') return refuse(oneLine(err.message));
    if (err.reason === 'two_factor_required') {
      return refuse("You must use a personal access token with 'read_repository' or 'write_repository' scope for Git over SSH.");
    }
    return refuse(NO_LONGER_VALID);
  }
  if (err instanceof TooManyRequestsError || err instanceof OverloadedError) return refuse(oneLine(err.message));
  if (err instanceof UnavailableError) return refuse('The server is unavailable or shutting down; try again later.');
  return { message: 'Internal server error', exitStatus: 1, expected: false };
}

/** The stderr line for a refusal. */
export function refusalLine(refusal: SshRefusal): string {
  return `ERROR: ${refusal.message}\n`;
}

function oneLine(message: string): string {
  return message.split(/\r?\n/, 1)[0]!.trim();
}
