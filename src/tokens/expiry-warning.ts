/**
 * The warning git shows when a token used for a clone, fetch or push is
 * about to expire: one line in the `remote:` progress output, so the person
 * or CI job still using the token learns of it before it stops working.
 */
import type { Clock } from '../lib/clock.js';
import { daysBetween, utcDate } from '../lib/dates.js';
import type { TokenFacts } from '../identity/principal.js';

/** When to warn and where to send people for a new token. */
export interface ExpiryWarningPolicy {
  /** Warn when the token expires within this many days; 0: never warn. */
  days: number;
  /** The Access Tokens page (absolute URL). */
  newTokenUrl: string;
  clock: Clock;
}

/**
 * The warning for `token`, or null when it does not expire within
 * `policy.days` (or has expired already: then it is refused, not warned of).
 *
 * @example
 * expiryWarning({ name: 'ci', expiresAt: '2026-12-10' }, policy) // on 2026-12-04:
 * // 'warning: personal access token "ci" expires on 2026-12-10 (in 6 days); create a new one at https://git.example.com/-/user_settings/personal_access_tokens'
 */
export function expiryWarning(token: TokenFacts, policy: ExpiryWarningPolicy): string | null {
  if (token.expiresAt === null || policy.days <= 0) return null;
  const left = daysBetween(utcDate(policy.clock.now()), token.expiresAt);
  if (left < 1 || left > policy.days) return null;
  const name = token.name.replace(/[\u0000-\u001f\u007f"]/g, ' ');
  return `warning: personal access token "${name}" expires on ${token.expiresAt} (in ${left} day${left === 1 ? '' : 's'}); create a new one at ${policy.newTokenUrl}`;
}
