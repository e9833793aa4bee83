import type { Request } from 'express';

/**
 * The client's address as Express resolved it (X-Forwarded-For only from
 * GITGATE_TRUSTED_PROXIES, see createApp), for logs, bans and last-used IPs.
 */
export function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
