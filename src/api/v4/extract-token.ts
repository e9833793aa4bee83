/**
 * Finds the credentials of an API request without judging them (Directus'
 * extract-token): a personal access token from the `private_token`
 * parameter, the `PRIVATE-TOKEN` header or `Authorization: Bearer`, in
 * GitLab's order (`extract_personal_access_token`), and a sudo identifier
 * from the `sudo` parameter or the `Sudo` header.
 */
import type { Request, RequestHandler } from 'express';
import { apiLocals, type ApiCredentials } from './api-state.js';
import { requestParams } from './params.js';

/** A non-empty string, or null (GitLab's `.presence`). */
function present(value: unknown): string | null {
  const first = Array.isArray(value) ? (value as unknown[])[0] : value;
  if (typeof first === 'number') return String(first);
  return typeof first === 'string' && first.trim() !== '' ? first.trim() : null;
}

/** The token carried by `Authorization: Bearer <token>`, else null. */
export function bearerToken(authorization: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1] ?? null;
}

/**
 * Reads the credentials of `req`.
 *
 * @example
 * // GET /api/v4/user with `PRIVATE-TOKEN: glpat-…` and `Sudo: alice`
 * extractCredentials(req) // { token: 'glpat-…', sudo: 'alice' }
 */
export function extractCredentials(req: Request): ApiCredentials {
  const params = requestParams(req);
  return {
    token: present(params.private_token) ?? present(req.get('private-token')) ?? bearerToken(req.get('authorization')),
    sudo: present(params.sudo) ?? present(req.get('sudo')),
  };
}

/** Middleware: records the request's credentials for `authenticate`. */
export const extractToken: RequestHandler = (req, res, next) => {
  apiLocals(res).apiCredentials = extractCredentials(req);
  next();
};
