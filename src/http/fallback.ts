import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { requestLogger } from './request-state.js';

/** Anything no surface claimed: a plain 404. */
export const notFound: RequestHandler = (_req, res) => {
  res.status(404).type('text/plain').send('Not Found\n');
};

/**
 * Last resort for errors no surface mapped (body parser failures, bugs):
 * the client gets a status and a generic line, the log gets the details.
 */
export function lastResortErrors(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    const status = typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : 500;
    const safe = status >= 400 && status < 500 ? status : 500;
    if (safe === 500) requestLogger(res, logger).error({ err }, 'unhandled error');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(safe).type('text/plain').send(safe === 500 ? 'Internal Server Error\n' : 'Bad Request\n');
  };
}
