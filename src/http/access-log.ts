import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { principalSummary } from '../identity/principal.js';
import { withRequestContext } from '../lib/request-context.js';
import { clientIp } from './client-ip.js';
import { requestState } from './request-state.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Assigns a request id (a sane incoming `X-Request-Id` is kept), binds the
 * request's logger to it (requestLogger: every line about the request
 * carries `requestId`), enters the request's context (lib/request-context:
 * the id and client address audit events carry), and writes one log line
 * when the response ends or the client goes away. The path is logged
 * without its query string: `private_token` may travel there.
 */
export function accessLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    const state = requestState(res);
    state.requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', state.requestId);
    const requestLog = logger.child({ requestId: state.requestId });
    state.logger = requestLog;
    // Taken now: mounted routers (the API at /api/v4) rewrite req.url while they run.
    const path = req.path;
    const started = process.hrtime.bigint();
    // Keep-alive sockets carry several responses: count only this one's bytes.
    const socket = req.socket;
    const baseBytes = socket.bytesWritten;
    let logged = false;
    const log = (): void => {
      if (logged) return;
      logged = true;
      const aborted = !res.writableFinished;
      requestLog.info(
        {
          method: req.method,
          path,
          status: res.statusCode,
          bytes: socket.bytesWritten - baseBytes + (state.bytesSentfile ?? 0),
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
          ip: req.ip,
          ...(state.principal ? principalSummary(state.principal) : {}),
          ...(state.repo ? { repo: state.repo } : {}),
          ...(state.service ? { gitService: state.service } : {}),
          ...(aborted ? { aborted: true } : {}),
        },
        'request',
      );
    };
    res.on('finish', log);
    res.on('close', log);
    withRequestContext({ requestId: state.requestId, ip: clientIp(req) }, next);
  };
}
