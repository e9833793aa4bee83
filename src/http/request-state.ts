import type { Response } from 'express';
import type { Logger } from 'pino';
import type { Principal } from '../identity/principal.js';

/** Which surface served a request: the `surface` label of the HTTP metrics. */
export type HttpSurface = 'git' | 'api' | 'web' | 'registry' | 'monitoring' | 'other';

/** Per-request facts gathered by handlers for the access log and the metrics. */
export interface RequestState {
  requestId: string;
  /** The process logger bound to `requestId` (set by accessLog). */
  logger?: Logger;
  /** Set by the router that took the request; none: `other`. */
  surface?: HttpSurface;
  principal?: Principal;
  repo?: string;
  service?: string;
  /** Bytes of the response sent past Node's socket, with sendfile(2): the access log adds them to the socket's count. */
  bytesSentfile?: number;
}

/** The request's state, kept in `res.locals`. */
export function requestState(res: Response): RequestState {
  return res.locals as RequestState;
}

/**
 * The logger for lines about this request: every line carries its
 * `requestId` (the `X-Request-Id` the client got). `logger` is used when no
 * access log bound one (a router mounted on its own, in tests).
 */
export function requestLogger(res: Response, logger: Logger): Logger {
  return requestState(res).logger ?? logger;
}

/** Marks the request as served by `surface` (the router that took it calls this first). */
export function claimSurface(res: Response, surface: HttpSurface): void {
  requestState(res).surface = surface;
}
