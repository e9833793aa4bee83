import type { Attempt } from './attempt-ledger.js';

/**
 * GitLab's "git_basic_auth" ban: after too many failed authentications from
 * one IP within a window, that IP is refused for a while. Every surface that
 * checks credentials (git, API, web sign-in, registry, SSH) goes through it,
 * by way of GuardedAuthentication.
 */
export interface FailedAuthGuard {
  /** Throws BannedError while `ip` is banned; reserves nothing (a probe, such as an SSH key query). */
  check(ip: string): Promise<void>;
  /**
   * Reserves one credential check for `ip`: throws BannedError while banned,
   * waits while the attempts left are all in flight (TooManyRequestsError
   * when none frees up in time). Settle the attempt with the check's outcome.
   */
  begin(ip: string): Promise<Attempt>;
}
