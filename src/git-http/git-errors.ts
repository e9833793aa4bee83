/**
 * Typed failures mapped once to the text answers git clients print
 * (`remote: <line>`), worded like GitLab.
 */
import { accessTokensUrl } from '../lib/access-tokens-page.js';
import type { Response } from 'express';
import { PROJECT_NOT_FOUND } from '../git/git-messages.js';
import {
  BannedError,
  ForbiddenError,
  InsufficientScopeError,
  NotFoundError,
  OverloadedError,
  TooManyRequestsError,
  UnauthorizedError,
  UnavailableError,
} from '../lib/errors.js';

/** A plain-text answer: status, extra headers and a body ending in a newline. */
export interface GitTextAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Options for wording that depends on the deployment. */
export interface GitErrorWording {
  /** Base URL of the gateway; when set, 2FA users are told where to create a token. */
  externalUrl?: string;
}

export const ACCESS_DENIED =
  "HTTP Basic: Access denied. If a password was provided for Git authentication, the password was incorrect or you're required to use a token instead of a password. If a token was provided, it was either incorrect, expired, or improperly scoped.";
export const TWO_FACTOR_REQUIRED =
  "You must use a personal access token with 'read_repository' or 'write_repository' scope for Git over HTTP.";
export const INTERNAL_ERROR = 'Internal Server Error';

/**
 * Maps any thrown value to git's answer. Unknown errors become a generic 500:
 * details belong in the log, never in the body. Messages of typed errors are
 * reduced to one line; credentials never appear since no error carries them.
 */
export function gitErrorAnswer(err: unknown, wording: GitErrorWording = {}): GitTextAnswer {
  if (err instanceof UnauthorizedError) {
    const lines = [ACCESS_DENIED];
    if (err.reason === 'address') lines.push(oneLine(err.message));
    if (err.reason === 'two_factor_required') {
      lines.push(TWO_FACTOR_REQUIRED);
      if (wording.externalUrl) {
        lines.push(`You can generate one at ${accessTokensUrl(wording.externalUrl)}`);
      }
    }
    return answer(401, lines.join('\n'), { 'WWW-Authenticate': 'Basic realm="gitgate"' });
  }
  if (err instanceof NotFoundError) return answer(404, PROJECT_NOT_FOUND);
  if (err instanceof InsufficientScopeError) {
    return answer(403, `Insufficient scope: this requires a token with one of the scopes ${err.required.join(', ')}.`);
  }
  if (err instanceof BannedError) return answer(403, err.message);
  if (err instanceof ForbiddenError) return answer(403, oneLine(err.message) || 'Forbidden');
  // git prints a text/plain body as `remote: …` when the ref advertisement is refused (a POST shows only the status).
  if (err instanceof TooManyRequestsError) return answer(429, oneLine(err.message), { 'Retry-After': String(err.retryAfterSeconds) });
  if (err instanceof OverloadedError) return answer(503, oneLine(err.message), { 'Retry-After': String(err.retryAfterSeconds) });
  if (err instanceof UnavailableError) return answer(503, 'Service Unavailable');
  return answer(500, INTERNAL_ERROR);
}

/** The answer to a POST whose body git refused before its first byte (see refusedByGit). */
export const GIT_REFUSED_REQUEST = 'Bad Request: git refused the request';

/** Builds a plain-text answer; `body` gets its trailing newline here. */
export function answer(status: number, body: string, headers: Record<string, string> = {}): GitTextAnswer {
  return { status, headers, body: `${body}\n` };
}

/** Writes `a` as `text/plain; charset=utf-8` with git's no-cache headers; no-op once headers were sent. */
export function sendGitText(res: Response, a: GitTextAnswer): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(a.status, {
    ...NO_CACHE_HEADERS,
    ...a.headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(a.body)),
  });
  res.end(a.body);
}

/** The cache headers git http-backend sends on every dynamic answer. */
export const NO_CACHE_HEADERS: Readonly<Record<string, string>> = {
  Expires: 'Fri, 01 Jan 1980 00:00:00 GMT',
  Pragma: 'no-cache',
  'Cache-Control': 'no-cache, max-age=0, must-revalidate',
};

function oneLine(message: string): string {
  return message.split(/\r?\n/, 1)[0]!.trim();
}
