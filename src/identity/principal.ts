import type { Scope } from './scopes.js';

/** The minimum an edge needs to know about the calling user. */
export interface Identity {
  id: number;
  username: string;
  isAdmin: boolean;
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
  | { kind: 'token'; user: Identity; tokenId: number; scopes: Scope[] };

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
