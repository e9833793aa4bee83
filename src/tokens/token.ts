import type { Scope } from '../identity/scopes.js';
import type { TokenRestrictions } from '../identity/token-restrictions.js';

/** A personal access token as stored: never the plaintext, only its digest. */
export interface PersonalAccessToken {
  id: number;
  userId: number;
  name: string;
  description: string | null;
  scopes: Scope[];
  /** Hex HMAC-SHA-256 of the plaintext under the server secret. */
  digest: string;
  /** Last characters of the plaintext, for display only. */
  lastFour: string;
  /** Calendar date (YYYY-MM-DD, UTC) at whose first instant the token stops working. */
  expiresAt: string | null;
  revoked: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
  /** Most recent distinct client IPs, newest first. */
  lastUsedIps: string[];
  /** The token this one replaced by rotation; links a token family. */
  previousTokenId: number | null;
  /** What the token is limited to; kept on rotation, never changed otherwise. */
  restrictions: TokenRestrictions;
  /** The token that minted this one (attenuation); revoking it revokes this one too. */
  parentTokenId: number | null;
}

/** Fields a new token is stored with. */
export type NewPersonalAccessToken = Omit<
  PersonalAccessToken,
  'id' | 'revoked' | 'lastUsedAt' | 'lastUsedIps'
>;
