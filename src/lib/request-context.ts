/**
 * Facts about the request being served that code far below the edge may
 * need without every signature carrying them: the request id the client got
 * back (`X-Request-Id`, or the SSH connection id) and the client address.
 * The HTTP edge enters a context per request (http/access-log.ts), SSH per
 * connection; it follows the request through promises and timers
 * (AsyncLocalStorage). Only bookkeeping reads it (the audit log): nothing
 * decides access from it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** What is known about the request being served. */
export interface RequestContext {
  requestId: string | null;
  ip: string | null;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `work` with `context` merged over the current one (a nested call keeps what it does not set). */
export function withRequestContext<T>(context: Partial<RequestContext>, work: () => T): T {
  const current = currentRequestContext();
  return storage.run({ requestId: context.requestId ?? current.requestId, ip: context.ip ?? current.ip }, work);
}

/** The context of the request being served; both fields null outside one. */
export function currentRequestContext(): RequestContext {
  return storage.getStore() ?? { requestId: null, ip: null };
}
