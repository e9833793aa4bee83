/**
 * GitOperations at `/-/metrics`: the operations in flight and those refused
 * by a concurrency limit, read at each scrape.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { GitOperations } from './git-operations.js';

/** Registers the instruments of `operations` on `registry`. */
export function registerOperationMetrics(registry: Registry, operations: GitOperations): void {
  new Gauge({
    name: 'gitgate_git_operations',
    help: 'Git operations in flight (HTTP and SSH, git runs and cached clone answers being sent)',
    registers: [registry],
    collect() {
      this.set(operations.active);
    },
  });
  new Counter({
    name: 'gitgate_git_operations_refused_total',
    help: 'Git operations refused by a concurrency limit: one address (429) or all together (503)',
    labelNames: ['limit'],
    registers: [registry],
    collect() {
      this.reset();
      const { address, total } = operations.refusals;
      this.inc({ limit: 'address' }, address);
      this.inc({ limit: 'total' }, total);
    },
  });
}
