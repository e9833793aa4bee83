import type { Principal } from './principal.js';

/**
 * A username and a typed secret (a password or a personal access token),
 * exactly as the client sent them: HTTP Basic credentials, or what was typed
 * at an SSH password prompt.
 */
export interface PasswordCredentials {
  username: string;
  password: string;
}

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
