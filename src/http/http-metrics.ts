/**
 * HTTP requests at `/-/metrics`: counted by surface, method and status
 * class, timed by surface. Labels are fixed sets — the surface the router
 * that took the request claimed (requestState), a known method or `other`,
 * `1xx`…`5xx` — never a path, user or repository.
 */
import type { RequestHandler } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';
import { requestState } from './request-state.js';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Seconds: API calls in milliseconds, git requests (clones, pushes) up to an hour. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/**
 * Registers `gitgate_http_requests_total{surface,method,status_class}` and
 * `gitgate_http_request_duration_seconds{surface}` on `registry`, and
 * returns the middleware that records every request when its response ends
 * or its client goes away (with the status set by then). Mount it first.
 *
 * @example app.use(httpMetrics(registry));
 */
export function httpMetrics(registry: Registry): RequestHandler {
  const requests = new Counter({
    name: 'gitgate_http_requests_total',
    help: 'HTTP requests by surface (git, api, web, registry, monitoring, other), method and status class',
    labelNames: ['surface', 'method', 'status_class'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'gitgate_http_request_duration_seconds',
    help: 'Time from a request\'s arrival to the end of its response (or its client going away), by surface',
    labelNames: ['surface'],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    let recorded = false;
    const record = (): void => {
      if (recorded) return;
      recorded = true;
      const surface = requestState(res).surface ?? 'other';
      const method = METHODS.has(req.method) ? req.method : 'other';
      requests.inc({ surface, method, status_class: `${Math.floor(res.statusCode / 100)}xx` });
      duration.observe({ surface }, Number(process.hrtime.bigint() - started) / 1e9);
    };
    res.on('finish', record);
    res.on('close', record);
    next();
  };
}
