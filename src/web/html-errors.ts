/**
 * Typed failures mapped once to what the HTML pages say: forms show the
 * message beside the form, anything else renders the error page. Unexpected
 * errors get a generic page; their details go to the log only.
 */
import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { requestLogger } from '../http/request-state.js';
import {
  AppError,
  BannedError,
  NotFoundError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
} from '../lib/errors.js';
import type { Views } from './views.js';
import { logFailure } from '../lib/log-failure.js';

/** A failure as a page shows it. */
export interface HtmlFailure {
  status: number;
  message: string;
}

const GENERIC = 'Something went wrong on our end. Try again in a moment.';

/** The status and the sentence for `error`; unknown errors are a 500 with a generic sentence. */
export function describeFailure(error: unknown): HtmlFailure {
  if (error instanceof UnauthorizedError) {
    if (error.reason === 'blocked') return { status: 401, message: 'Your account has been blocked. Contact your administrator.' };
    return { status: 401, message: 'Invalid login or password.' };
  }
  if (error instanceof BannedError) return { status: 403, message: 'Too many failed sign-in attempts from your address. Try again later.' };
  if (error instanceof NotFoundError) return { status: 404, message: 'The page you were looking for could not be found.' };
  if (error instanceof ValidationError) return { status: 422, message: error.message };
  if (error instanceof UnavailableError) return { status: 503, message: GENERIC };
  if (error instanceof AppError && error.status < 500) return { status: error.status, message: error.message };
  const status = httpStatusOf(error);
  if (status !== null && status >= 400 && status < 500) return { status, message: 'The request could not be understood.' };
  return { status: 500, message: GENERIC };
}

/** The web surface's error handler: the error page with the mapped status. */
export function htmlErrors(views: Views, logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const failure = describeFailure(error);
    if (failure.status >= 500) logFailure(requestLogger(res, logger), error, {}, 'web request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const title = failure.status === 404 ? 'Not found' : failure.status === 403 ? 'Access denied' : 'Error';
    views.render(res, failure.status, 'error', { ...views.layout(req, res, title), status: failure.status, message: failure.message });
  };
}

/** The status of errors thrown by Express' own middleware (http-errors), e.g. 413 from the body parser. */
function httpStatusOf(error: unknown): number | null {
  if (typeof error !== 'object' || error === null || !('status' in error)) return null;
  const status: unknown = error.status;
  return typeof status === 'number' ? status : null;
}
