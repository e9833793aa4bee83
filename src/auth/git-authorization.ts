/**
 * The git authorization contract: what the git surfaces (HTTP and SSH) ask
 * of the auth service and what it grants. Declared here, beside the service
 * that fulfils it, so the dependency points from the edges to the service.
 */
import type { PasswordCredentials } from '../identity/authenticator.js';
import type { GitService } from '../identity/git-service.js';
import type { Principal } from '../identity/principal.js';
import type { PushSpec } from '../identity/push-protection.js';


/** What the git edge knows about a request before anything is spawned. */
export interface GitRequest {
  /** Namespace and project segments, already URL-decoded, `.git` stripped. */
  namespace: string;
  project: string;
  service: GitService;
  credentials: PasswordCredentials | null;
  /** Client IP as resolved by the HTTP layer (trusted proxies applied). */
  ip: string;
}

/** Permission to run `service` on one repository. */
export interface GitGrant {
  /** Absolute path of the existing bare repository, inside the repos root. */
  repoPath: string;
  projectId: number;
  principal: Principal;
  /** `namespace/project`, as found. */
  projectPath: string;
  /**
   * For a push (receive-pack): who pushes where, and what a restricted
   * token may do to refs — what gitgate's pre-receive hook enforces. Null
   * for every other service.
   */
  push: PushSpec | null;
  /**
   * A line for git to show the user among its `remote:` progress messages
   * (an expiring token's warning), or null. It concerns this principal only,
   * so it is added to answers as they are sent, never to shared cached ones.
   */
  notice: string | null;
}

/**
 * Decides whether a git request may run. Throws UnauthorizedError (401),
 * NotFoundError (404: missing, or not readable by the principal),
 * ForbiddenError / InsufficientScopeError (403) or BannedError (403).
 * Implemented by the auth service; the git edge never sees a token.
 */
export interface GitAuthorizer {
  authorize(request: GitRequest): Promise<GitGrant>;
}
