/**
 * The token endpoint's error mapping, done once: typed failures become a
 * status and distribution's error JSON (`{"errors":[{code,message}]}`),
 * which docker, containerd and skopeo print.
 */
import type { Response } from 'express';
import { BannedError, ForbiddenError, UnauthorizedError, UnavailableError, ValidationError } from '../lib/errors.js';

/** A status, an error code and message, and any headers. */
export interface RegistryError {
  status: number;
  code: string;
  message: string;
  headers?: Record<string, string>;
}

const ACCESS_DENIED =
  'HTTP Basic: Access denied. If a password was provided, it was incorrect or you must use a personal access token instead. ' +
  'If a token was provided, it was either incorrect, expired, or revoked.';
const TWO_FACTOR =
  "HTTP Basic: Access denied. You must use a personal access token with 'read_registry' or 'write_registry' scope for the container registry.";

/** Maps any thrown value; unknown errors are a 500 without details. */
export function toRegistryError(err: unknown): RegistryError {
  if (err instanceof UnauthorizedError) {
    const message =
      err.reason === 'two_factor_required' ? TWO_FACTOR : err.reason === 'blocked' || err.reason === 'address' ? err.message : ACCESS_DENIED;
    return { status: 401, code: 'UNAUTHORIZED', message, headers: { 'WWW-Authenticate': 'Basic realm="gitgate"' } };
  }
  if (err instanceof BannedError || err instanceof ForbiddenError) return { status: 403, code: 'DENIED', message: err.message };
  if (err instanceof ValidationError) return { status: 400, code: 'INVALID_REQUEST', message: err.message };
  if (err instanceof UnavailableError) return { status: 503, code: 'UNAVAILABLE', message: 'service unavailable' };
  return { status: 500, code: 'UNKNOWN', message: 'internal server error' };
}

/** Sends a RegistryError; token responses and errors are never cached. */
export function sendRegistryError(res: Response, error: RegistryError): void {
  for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value);
  res.setHeader('Cache-Control', 'no-store');
  res.status(error.status).json({ errors: [{ code: error.code, message: error.message }] });
}

