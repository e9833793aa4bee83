/**
 * Parsing of the `Authorization: Basic` header, apart from any policy.
 */
import type { PasswordCredentials } from '../identity/authenticator.js';

// RFC 7617: the scheme (any case), then a token68; the same header shape the
// `basic-auth` package accepted.
const BASIC = /^ *basic +([A-Za-z0-9._~+/-]+=*) *$/i;
// RFC 7617 §2: neither user-id nor password may contain a control character
// (RFC 5234 CTL). A NUL would also reach the user lookup, where PostgreSQL
// refuses it.
const CONTROL = /[\x00-\x1f\x7f]/;

/**
 * What an `Authorization` header carries: nothing (absent, blank, or Basic
 * with neither a username nor a password), Basic credentials, or something
 * that is not readable Basic credentials (another scheme, bad base64, no
 * colon, extra parameters).
 */
export type BasicAuthorization =
  | { kind: 'none' }
  | { kind: 'basic'; credentials: PasswordCredentials }
  | { kind: 'malformed' };

/**
 * Reads an `Authorization` header for an edge that must tell a client that
 * sent nothing from one that sent something unreadable. Never throws.
 *
 * @example readBasicAuthorization('Basic !!!') // { kind: 'malformed' }
 */
export function readBasicAuthorization(header: string | undefined): BasicAuthorization {
  if (!header || header.trim() === '') return { kind: 'none' };
  const token = BASIC.exec(header)?.[1];
  if (token === undefined) return { kind: 'malformed' };
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1 || CONTROL.test(decoded)) return { kind: 'malformed' };
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (username === '' && password === '') return { kind: 'none' };
  return { kind: 'basic', credentials: { username, password } };
}

/**
 * The Basic credentials in an `Authorization` header, or null when the
 * header is absent, not Basic, malformed (no colon, a control character),
 * or carries neither a username nor a password. The username ends at the
 * first colon; the password is everything after it, any other character
 * included. Never throws: deciding what "no credentials" means (401 or
 * anonymous access) is the authorizer's job.
 *
 * @example parseBasicCredentials('Basic b2F1dGgyOmdscGF0LXh5eg==') // { username: 'oauth2', password: 'glpat-xyz' }
 */
export function parseBasicCredentials(header: string | undefined): PasswordCredentials | null {
  const read = readBasicAuthorization(header);
  return read.kind === 'basic' ? read.credentials : null;
}
