/**
 * Parsing of the `Authorization: Basic` header, apart from any policy.
 */
import type { BasicCredentials } from './git-authorizer.js';

// RFC 7617: the scheme (any case), then a token68; the same header shape the
// `basic-auth` package accepted.
const BASIC = /^ *basic +([A-Za-z0-9._~+/-]+=*) *$/i;
// RFC 7617 §2: neither user-id nor password may contain a control character
// (RFC 5234 CTL). A NUL would also reach the user lookup, where PostgreSQL
// refuses it.
const CONTROL = /[\x00-\x1f\x7f]/;

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
export function parseBasicCredentials(header: string | undefined): BasicCredentials | null {
  const token = header ? BASIC.exec(header)?.[1] : undefined;
  if (token === undefined) return null;
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1 || CONTROL.test(decoded)) return null;
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (username === '' && password === '') return null;
  return { username, password };
}
