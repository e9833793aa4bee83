/**
 * Parsing of the `Authorization: Basic` header, apart from any policy.
 */
import basicAuth from 'basic-auth';
import type { BasicCredentials } from './git-authorizer.js';

/**
 * The Basic credentials in an `Authorization` header, or null when the
 * header is absent, not Basic, malformed, or carries neither a username nor
 * a password. Never throws: deciding what "no credentials" means (401 or
 * anonymous access) is the authorizer's job.
 *
 * @example parseBasicCredentials('Basic b2F1dGgyOmdscGF0LXh5eg==') // { username: 'oauth2', password: 'glpat-xyz' }
 */
export function parseBasicCredentials(header: string | undefined): BasicCredentials | null {
  if (!header) return null;
  const parsed = basicAuth.parse(header);
  if (!parsed) return null;
  if (parsed.name === '' && parsed.pass === '') return null;
  return { username: parsed.name, password: parsed.pass };
}
