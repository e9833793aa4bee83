/**
 * The API surface's error mapping, done once: typed failures from the
 * services and the body parsers become GitLab's status codes and JSON bodies
 * (`lib/api/helpers.rb`, `lib/api/api_guard.rb`, rack-oauth2's Bearer errors).
 */
import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { SCOPES } from '../../identity/scopes.js';
import {
  BannedError,
  ConflictError,
  ForbiddenError,
  InsufficientScopeError,
  NotFoundError,
  UnauthorizedError,
  UnavailableError,
  UnprocessableError,
  ValidationError,
} from '../../lib/errors.js';
import { requestLogger } from '../../http/request-state.js';
import { ParamsError } from './params.js';
import { sendJson } from './send-json.js';
import { logFailure } from '../../lib/log-failure.js';

/** A status, GitLab's JSON body for it, and any extra headers. */
export interface GitLabError {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** rack-oauth2's descriptions for the token states GitLab reports as `invalid_token`. */
const INVALID_TOKEN: Partial<Record<UnauthorizedError['reason'], string>> = {
  revoked: 'Token was revoked. You have to re-authorize from the user.',
  expired: 'Token is expired. You can either do re-authorization or token refresh.',
};

/**
 * Body parser failures (the `http-errors` shape): a 4xx status and a `type`,
 * except when the body does not decompress — then the parser passes zlib's
 * error on (a `code` and a numeric `errno`) with status 400 and no `type`.
 */
interface BodyParserError {
  type?: string;
  status: number;
  code?: unknown;
  errno?: unknown;
}

function isBodyParserError(err: unknown): err is BodyParserError {
  const e = err as Partial<BodyParserError> | null;
  if (typeof e !== 'object' || e === null || typeof e.status !== 'number') return false;
  return typeof e.type === 'string' || isUndecodable(e as BodyParserError);
}

/** A Content-Encoding the parser knows (gzip, deflate, br) over bytes that are not in it, or cut short. */
function isUndecodable(err: BodyParserError): boolean {
  return err.type === undefined && err.status === 400 && typeof err.code === 'string' && typeof err.errno === 'number';
}

function message(status: number, text: string): GitLabError {
  return { status, body: { message: text } };
}

/** `403 Forbidden - reason`, as GitLab's `forbidden!(reason)` words it. */
function forbidden(text: string): GitLabError {
  return message(403, text.startsWith('403') ? text : `403 Forbidden - ${text}`);
}

/** Scopes in GitLab's order (`api read_api read_user …`), as its `scope` field lists them. */
function scopeList(required: readonly string[]): string {
  return SCOPES.filter((s) => required.includes(s)).join(' ');
}

function unauthorized(err: UnauthorizedError): GitLabError {
  const description = INVALID_TOKEN[err.reason];
  if (description) {
    return {
      status: 401,
      body: { error: 'invalid_token', error_description: description },
      headers: {
        'WWW-Authenticate': `Bearer realm="Protected by OAuth 2.0", error="invalid_token", error_description="${description}"`,
      },
    };
  }
  if (err.reason === 'blocked') return forbidden('Your account has been blocked.');
  if (err.reason === 'address') return message(401, `401 Unauthorized - ${err.message}`);
  return message(401, '401 Unauthorized');
}

/**
 * Validation failures name their field: Grape's `{"error":"name is missing"}`
 * for parameters and for messages that start with the field, else a model-style
 * `{"message":{"field":["…"]}}`; a refused token operation is GitLab's
 * `400 Bad request - reason`.
 */
function invalid(err: ValidationError): GitLabError {
  if (err instanceof ParamsError) return { status: 400, body: { error: err.message } };
  if (err.field === 'token') return message(400, `400 Bad request - ${err.message}`);
  if (err.message.startsWith(`${err.field} `)) return { status: 400, body: { error: err.message } };
  return { status: 400, body: { message: { [err.field]: [err.message] } } };
}

function fromBodyParser(err: BodyParserError): GitLabError {
  if (err.type === 'entity.parse.failed') return message(400, '400 Bad request - The request body is not valid JSON');
  if (err.type === 'entity.too.large') return message(413, '413 Request Entity Too Large');
  if (isUndecodable(err)) return message(400, '400 Bad request - The request body could not be decoded');
  const status = err.status >= 400 && err.status < 500 ? err.status : 400;
  return message(status, `${status} ${STATUS_CODES[status] ?? 'Bad Request'}`);
}

/** Maps any thrown value to GitLab's answer; unknown errors are a 500. */
export function toGitLabError(err: unknown): GitLabError {
  if (err instanceof UnauthorizedError) return unauthorized(err);
  if (err instanceof InsufficientScopeError) {
    return {
      status: 403,
      body: { error: 'insufficient_scope', error_description: err.message, scope: scopeList(err.required) },
    };
  }
  if (err instanceof BannedError) return forbidden(err.message);
  if (err instanceof ForbiddenError) return forbidden(err.message);
  if (err instanceof NotFoundError) return message(404, err.message.startsWith('404') ? err.message : `404 ${err.message}`);
  if (err instanceof ValidationError) return invalid(err);
  if (err instanceof ConflictError) return message(409, err.message);
  if (err instanceof UnprocessableError) return message(422, err.message);
  if (err instanceof UnavailableError) return message(503, '503 Service Unavailable');
  if (isBodyParserError(err)) return fromBodyParser(err);
  return message(500, '500 Internal Server Error');
}

/** Sends a GitLabError as JSON. */
export function sendGitLabError(res: Response, error: GitLabError): void {
  for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value);
  sendJson(res, error.status, error.body);
}

/**
 * The API's error handler: every failure leaves as GitLab JSON. Server-side
 * failures are logged with the request id; client errors are not, and no
 * body ever repeats a credential.
 */
export function apiErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const error = toGitLabError(err);
    if (error.status >= 500) logFailure(requestLogger(res, logger), err, {}, 'API request failed');
    sendGitLabError(res, error);
  };
}

/** Grape's answer for a path no route claims. */
export const apiNotFound: RequestHandler = (_req, res) => {
  sendJson(res, 404, { error: '404 Not Found' });
};
