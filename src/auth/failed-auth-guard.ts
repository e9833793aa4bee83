/**
 * GitLab's "git_basic_auth" ban: after too many failed authentications from
 * one IP within a window, that IP is refused for a while. Every surface that
 * checks credentials (git, API, web sign-in, registry, SSH) reports to it.
 */
export interface FailedAuthGuard {
  /** Throws BannedError while `ip` is banned. */
  check(ip: string): Promise<void>;
  /** Counts a failed authentication; may start a ban. */
  recordFailure(ip: string): Promise<void>;
  /** A successful authentication resets the count. */
  recordSuccess(ip: string): Promise<void>;
}
