/**
 * A deadline for request bodies. Node's own `requestTimeout` would bound
 * every request's body, pushes included (they stream for as long as they
 * need, under git's own timeouts), so it stays off and this bounds the rest.
 */
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { clientIp } from './client-ip.js';
import { requestLogger } from './request-state.js';

export interface BodyDeadlineOptions {
  /** Time after the headers within which the whole body must have arrived. */
  timeoutMs: number;
  /** Paths left to their own timeouts (git's smart-HTTP endpoints). */
  exempt(path: string): boolean;
  logger: Logger;
}

/**
 * Gives every request whose path is not `exempt` `timeoutMs` after its
 * headers to deliver its whole body. When it has not: 408 (text/plain,
 * `Connection: close`) if nothing was answered yet, and the connection is
 * closed either way — a body still arriving after its answer would hold the
 * connection too. A request without a body is complete at once and never
 * times out.
 *
 * @example app.use(bodyDeadline({ timeoutMs: 30_000, exempt: (p) => matchGitPath(p)?.kind === 'smart', logger }));
 */
export function bodyDeadline(options: BodyDeadlineOptions): RequestHandler {
  return (req, res, next) => {
    if (req.complete || options.exempt(req.path)) return next();
    const socket = req.socket;
    const expire = (): void => {
      if (req.complete || socket.destroyed) return;
      requestLogger(res, options.logger).info({ ip: clientIp(req), method: req.method, path: req.path }, 'request body not received in time');
      if (res.headersSent) {
        socket.destroy();
        return;
      }
      const body = 'Request Timeout\n';
      res.writeHead(408, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close' });
      // Node closes the connection once the answer is sent (Connection: close); whoever reads the body sees it end.
      res.end(body, () => socket.destroy());
    };
    const timer = setTimeout(expire, options.timeoutMs);
    timer.unref();
    const settled = (): void => {
      if (req.complete || socket.destroyed) clearTimeout(timer);
    };
    // An answered request whose body is still incomplete keeps its deadline
    // ('close' also comes when the connection went away).
    res.once('close', settled);
    next();
  };
}
