/**
 * Parsing of the `Authorization: Basic` header, apart from any policy.
 */
import basicAuth from 'basic-auth';
import type { BasicCredentials } from './git-authorizer.js';

/**
 * What an `Authorization` header carries: nothing (absent, blank, or Basic
 * with neither a username nor a password), Basic credentials, or something
 * that is not readable Basic credentials (another scheme, bad base64, no
 * colon, extra parameters).
 */
export type BasicAuthorization =
  | { kind: 'none' }
  | { kind: 'basic'; credentials: BasicCredentials }
  | { kind: 'malformed' };

/**
 * Reads an `Authorization` header for an edge that must tell a client that
 * sent nothing from one that sent something unreadable. Never throws.
 *
 * @example readBasicAuthorization('Basic !!!') // { kind: 'malformed' }
 */
export function readBasicAuthorization(header: string | undefined): BasicAuthorization {
  if (!header || header.trim() === '') return { kind: 'none' };
  const parsed = basicAuth.parse(header);
  if (!parsed) return { kind: 'malformed' };
  if (parsed.name === '' && parsed.pass === '') return { kind: 'none' };
  return { kind: 'basic', credentials: { username: parsed.name, password: parsed.pass } };
}

/**
 * The Basic credentials in an `Authorization` header, or null when the
 * header is absent, not Basic, malformed, or carries neither a username nor
 * a password. Never throws: deciding what "no credentials" means (401 or
 * anonymous access) is the authorizer's job.
 *
 * @example parseBasicCredentials('Basic b2F1dGgyOmdscGF0LXh5eg==') // { username: 'oauth2', password: 'glpat-xyz' }
 */
export function parseBasicCredentials(header: string | undefined): BasicCredentials | null {
  const read = readBasicAuthorization(header);
  return read.kind === 'basic' ? read.credentials : null;
}
