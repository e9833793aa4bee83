import { Router, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { IpAllowlist } from '../lib/ip-allowlist.js';
import type { ReadinessCheck } from '../lib/readiness.js';
import { clientIp } from './client-ip.js';
import { notFound } from './fallback.js';
import { claimSurface, requestLogger } from './request-state.js';

/** What the operational endpoints need. */
export interface HealthDeps {
  /** Checks every dependency the instance needs (database, git, Redis when configured). */
  checkReady: () => Promise<ReadinessCheck[]>;
  logger: Logger;
  metrics: Registry;
  /** Client addresses/CIDRs that may use them (GITGATE_MONITORING_ALLOWLIST). */
  allowlist: readonly string[];
}

/**
 * GitLab's operational endpoints: `/-/health` (the process answers),
 * `/-/liveness`, `/-/readiness` (every dependency usable: 503 with the
 * failed ones otherwise, as GitLab's `<name>_check` entries) and `/-/metrics`
 * (Prometheus text format). As GitLab's `monitoring.ip_whitelist` does for
 * all four, only clients in the allowlist (after GITGATE_TRUSTED_PROXIES, as
 * everywhere) get an answer; anyone else gets the 404 of a path that does not
 * exist, so the metrics (user and project activity, ban counts) and even the
 * endpoints' existence stay private.
 */
export function healthRoutes(deps: HealthDeps): Router {
  const { checkReady, logger, metrics } = deps;
  const allowlist = new IpAllowlist(deps.allowlist);
  const monitoringOnly: RequestHandler = (req, res, next) => {
    claimSurface(res, 'monitoring');
    if (allowlist.has(clientIp(req))) next();
    else notFound(req, res, next);
  };
  const router = Router();
  router.use(['/-/health', '/-/liveness', '/-/readiness', '/-/metrics'], monitoringOnly);
  router.get('/-/health', (_req, res) => {
    res.type('text/plain').send('GitGate OK');
  });
  router.get('/-/liveness', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/-/readiness', async (_req, res) => {
    const checks = await checkReady();
    const failed = checks.filter((c) => !c.ok);
    const status = (ok: boolean) => [{ status: ok ? 'ok' : 'failed' }];
    const body: Record<string, unknown> = { status: failed.length === 0 ? 'ok' : 'failed', master_check: status(failed.length === 0) };
    for (const check of checks) body[`${check.name}_check`] = status(check.ok);
    if (failed.length > 0) {
      requestLogger(res, logger).warn({ failed: Object.fromEntries(failed.map((c) => [c.name, c.error])) }, 'readiness check failed');
      res.status(503);
    }
    res.json(body);
  });
  router.get('/-/metrics', async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.metrics());
  });
  return router;
}
