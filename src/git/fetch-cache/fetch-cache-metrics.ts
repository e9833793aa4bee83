/**
 * The FetchResponseCache at `/-/metrics`: requests by outcome and the bytes
 * kept on disk, read from the cache's counters at each scrape.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { FetchResponseCache } from './fetch-response-cache.js';

/** Registers the cache's instruments on `registry`. */
export function registerFetchCacheMetrics(registry: Registry, cache: FetchResponseCache): void {
  new Counter({
    name: 'gitgate_fetch_cache_events_total',
    help: 'Clone answers: hits (kept answer), shared (joined a git run), runs started, stored, discarded, bypasses (git served the request)',
    labelNames: ['event'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [event, count] of Object.entries(cache.stats)) this.inc({ event }, count);
    },
  });
  new Gauge({
    name: 'gitgate_fetch_cache_kept_bytes',
    help: 'Bytes of clone answers kept on disk',
    registers: [registry],
    collect() {
      this.set(cache.keptBytes);
    },
  });
}
