import { Router } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

/**
 * GitLab's operational endpoints: `/-/health` (the process answers),
 * `/-/liveness`, `/-/readiness` (dependencies reachable) and `/-/metrics`
 * (Prometheus text format).
 */
export function healthRoutes(checkReady: () => Promise<void>, logger: Logger, metrics: Registry): Router {
  const router = Router();
  router.get('/-/health', (_req, res) => {
    res.type('text/plain').send('GitGate OK');
  });
  router.get('/-/liveness', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/-/readiness', async (_req, res) => {
    try {
      await checkReady();
      res.json({ status: 'ok', master_check: [{ status: 'ok' }] });
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'readiness check failed');
      res.status(503).json({ status: 'failed', master_check: [{ status: 'failed' }] });
    }
  });
  router.get('/-/metrics', async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.metrics());
  });
  return router;
}
