import type { Identity } from '../identity/principal.js';

/**
 * The identity CLI commands act as: an administrator that is no account.
 * Whoever can run the CLI can read the data directory, so it has full rights.
 */
export const CLI_ACTOR: Identity = { id: 0, username: '(cli)', isAdmin: true };
