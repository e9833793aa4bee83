import type { Principal } from './principal.js';

/** Where a request came from, for bookkeeping and bans. */
export interface AuthContext {
  ip: string;
}

/**
 * One way of recognising credentials. Answers one of three ways:
 * `null` — not my kind of credentials, let the next one try;
 * a thrown UnauthorizedError — mine, but invalid;
 * a Principal — authenticated.
 */
export interface Authenticator<C> {
  authenticate(credentials: C, context: AuthContext): Promise<Principal | null>;
}
