/**
 * GitLab's "git_basic_auth" ban (Rack::Attack's Allow2Ban): `maxRetry`
 * failed authentications from one address within `findTimeSeconds` ban it
 * for `banTimeSeconds`; a success forgets the failures. Attempts are
 * reserved before they are evaluated (auth/attempt-ledger.ts), so the
 * `maxRetry`-th evaluated failure is also the last one evaluated.
 */

/** The ban's settings (GITGATE_AUTH_BAN_*). */
export interface BanPolicy {
  enabled: boolean;
  maxRetry: number;
  findTimeSeconds: number;
  banTimeSeconds: number;
  /** IPs or CIDRs never banned. */
  allowlist: readonly string[];
}

/**
 * How long a reserved slot is held when its request never settles it (the
 * instance died mid-check): far longer than any credential check takes.
 */
export const SLOT_TTL_MS = 30_000;
