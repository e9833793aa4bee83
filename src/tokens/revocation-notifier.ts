import type { PersonalAccessToken } from './token.js';

/** Where push protection found a token: never the token itself. */
export interface LeakLocation {
  /** `namespace/project`. */
  project: string;
  commit: string;
  path: string;
}

/**
 * Why a token was revoked, as its owner is told: by an administrator
 * (API, CLI, the token information API) or by leak protection, with where
 * the token was found.
 */
export type RevocationCause = { kind: 'administrator' } | ({ kind: 'leak_protection' } & LeakLocation);

/**
 * Tells a token's owner that someone else revoked it. Implemented by the
 * e-mail notifications (src/notifications); absent when no mail is sent.
 * Never rejects: the revocation is done whatever becomes of the notice.
 */
export interface RevocationNotifier {
  tokenRevoked(token: PersonalAccessToken, cause: RevocationCause): Promise<void>;
}
