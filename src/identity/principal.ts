import type { Scope } from './scopes.js';
import { projectReach, type ProjectReach, type TokenRestrictions } from './token-restrictions.js';

/** The minimum an edge needs to know about the calling user. */
export interface Identity {
  id: number;
  username: string;
  isAdmin: boolean;
  /**
   * The projects the credential may reach when it is a restricted token;
   * absent: all of the user's. Every project read honours it.
   */
  reach?: ProjectReach;
}

/**
 * The only thing authentication hands the edges: who is calling and with
 * what. A password sign-in carries the full rights of the account, so it has
 * no scope list, and so does an SSH key (full git access of its user); a
 * token is limited to its scopes.
 */
export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'password'; user: Identity }
  | { kind: 'key'; user: Identity; keyId: number }
  | { kind: 'token'; user: Identity; tokenId: number; scopes: Scope[]; restrictions: TokenRestrictions; token: TokenFacts };

/** What a token principal's user may be told about the token itself (expiry warnings). */
export interface TokenFacts {
  name: string;
  /** YYYY-MM-DD; the token stops at 00:00 UTC of this date; null: never. */
  expiresAt: string | null;
}

/** The anonymous principal. */
export const ANONYMOUS: Principal = { kind: 'anonymous' };

/** The user behind a principal, or null for anonymous. */
export function identityOf(p: Principal): Identity | null {
  return p.kind === 'anonymous' ? null : p.user;
}

/** A loggable summary of a principal: ids only, never secrets. */
export function principalSummary(p: Principal): { via: Principal['kind']; userId?: number; tokenId?: number; keyId?: number } {
  if (p.kind === 'anonymous') return { via: p.kind };
  if (p.kind === 'password') return { via: p.kind, userId: p.user.id };
  if (p.kind === 'key') return { via: p.kind, userId: p.user.id, keyId: p.keyId };
  return { via: p.kind, userId: p.user.id, tokenId: p.tokenId };
}

/** The fields of a token's authorization record a principal is made from. */
export interface TokenGrant {
  tokenId: number;
  name: string;
  expiresAt: string | null;
  scopes: Scope[];
  restrictions: TokenRestrictions;
}

/**
 * The principal of a token acting as `user` (its owner, or the sudo
 * target): the user's identity narrowed to the token's project reach.
 */
export function tokenPrincipal(grant: TokenGrant, user: { id: number; username: string; isAdmin: boolean }): Principal {
  const reach = projectReach(grant.restrictions);
  return {
    kind: 'token',
    user: reach ? { id: user.id, username: user.username, isAdmin: user.isAdmin, reach } : { id: user.id, username: user.username, isAdmin: user.isAdmin },
    tokenId: grant.tokenId,
    scopes: grant.scopes,
    restrictions: grant.restrictions,
    token: { name: grant.name, expiresAt: grant.expiresAt },
  };
}
