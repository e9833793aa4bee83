/**
 * The Prometheus registry gitgate exports at `/-/metrics`, with Node's
 * default process metrics and the instruments of the services and caches.
 * The HTTP edge and the git backend register theirs on the same registry
 * when the server starts (src/http/http-metrics.ts, src/git/operation-*.ts,
 * the fetch cache's). One Metrics object per process (tests build as many as
 * they like); labels never carry tokens, usernames, repositories or paths.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  /** Token lookups by tier (`memory`, `redis`, `store`) and result (`hit`, `miss`, `negative`, `error`). */
  tokenLookups: Counter<'tier' | 'result'>;
  /** Cache invalidations published, and those not acknowledged by every instance in time. */
  cacheInvalidations: Counter<'result'>;
  /** Ref updates (pushes) announced to the other instances, by result (`acknowledged`, `timeout`, `error`). */
  refUpdateAnnouncements: Counter<'result'>;
  /** 1 while the Redis connection (by role) is usable, else 0. */
  redisUp: Gauge<'role'>;
  /** Failed authentications counted toward bans, and requests refused while banned. */
  authFailures: Counter;
  authBans: Counter;
  /** Audit events by result (`recorded`, `suppressed` by a throttle, `duplicate` of a once-only event, `failed` to write). */
  auditEvents: Counter<'result'>;
  /** Audit webhook deliveries by result (`delivered`, `retried`, `failed` after every retry, `dropped` by a full queue). */
  auditWebhook: Counter<'result'>;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  // Node's process metrics under their standard names (process_cpu_seconds_total, nodejs_heap_size_used_bytes, …).
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return {
    registry,
    tokenLookups: new Counter({
      name: 'gitgate_token_lookups_total',
      help: 'Personal access token lookups by cache tier and result',
      labelNames: ['tier', 'result'],
      registers: [registry],
    }),
    cacheInvalidations: new Counter({
      name: 'gitgate_token_cache_invalidations_total',
      help: 'Token cache invalidations by result (acknowledged, timeout, error)',
      labelNames: ['result'],
      registers: [registry],
    }),
    refUpdateAnnouncements: new Counter({
      name: 'gitgate_ref_update_announcements_total',
      help: 'Pushes announced to the other instances through Redis, by result (acknowledged, timeout, error)',
      labelNames: ['result'],
      registers: [registry],
    }),
    redisUp: new Gauge({
      name: 'gitgate_redis_up',
      help: 'Whether the Redis connection is usable (1) or not (0)',
      labelNames: ['role'],
      registers: [registry],
    }),
    authFailures: new Counter({
      name: 'gitgate_auth_failures_total',
      help: 'Failed authentications counted toward IP bans',
      registers: [registry],
    }),
    authBans: new Counter({
      name: 'gitgate_auth_banned_requests_total',
      help: 'Requests refused because the client IP is banned',
      registers: [registry],
    }),
    auditEvents: new Counter({
      name: 'gitgate_audit_events_total',
      help: 'Audit events by result (recorded, suppressed, duplicate, failed)',
      labelNames: ['result'],
      registers: [registry],
    }),
    auditWebhook: new Counter({
      name: 'gitgate_audit_webhook_deliveries_total',
      help: 'Audit webhook delivery attempts by result (delivered, retried, failed, dropped)',
      labelNames: ['result'],
      registers: [registry],
    }),
  };
}
