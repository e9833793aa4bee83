/** The `personal_access_tokens.restrictions` column: TokenRestrictions as JSON, null when unrestricted. */
import { isTokenRestrictions, NO_RESTRICTIONS, type TokenRestrictions } from '../identity/token-restrictions.js';

/** Serializes `r`; null for a token without restrictions. */
export function encodeRestrictions(r: TokenRestrictions): string | null {
  const unrestricted = (Object.keys(NO_RESTRICTIONS) as Array<keyof TokenRestrictions>).every((k) => r[k] === NO_RESTRICTIONS[k]);
  return unrestricted ? null : JSON.stringify(r);
}

/** Reads the column; throws on a value this version cannot read (never widens a token silently). */
export function decodeRestrictions(text: string | null): TokenRestrictions {
  if (text === null) return NO_RESTRICTIONS;
  const value: unknown = JSON.parse(text);
  if (!isTokenRestrictions(value)) throw new Error('column personal_access_tokens.restrictions holds an unreadable value');
  return value;
}
