/**
 * Ref updates shared between instances through Redis: the instance that ran
 * a push publishes the repository (its path below the repositories
 * directory, which each host may mount elsewhere) on
 * `<prefix>refs-invalidate` and waits (at most 1 s) for every instance's
 * acknowledgement; each instance records it in its RefUpdates, which puts
 * every cached answer of that repository out of reach. While its
 * subscription is down an instance may miss announcements: on losing or
 * regaining it every stamp moves (RefUpdates.forgetAll), and meanwhile the
 * file-timestamp rule is what remains.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { RefUpdates } from '../git/ref-updates.js';
import type { Metrics } from '../lib/metrics.js';
import { InvalidationBus } from './invalidation-bus.js';

export interface RefUpdateBusOptions {
  /** The subscriber connection (may be shared with other buses). */
  subscriber: Redis;
  publisher: Redis;
  prefix: string;
  /** The repositories directory; announced paths are relative to its real path. */
  reposDir: string;
  updates: RefUpdates;
  logger: Logger;
  metrics: Metrics;
}

/** Connects `options.updates` to the other instances: publishes its announcements, applies theirs. */
export function connectRefUpdates(options: RefUpdateBusOptions): void {
  const { updates, logger } = options;
  const root = realPathOf(options.reposDir);
  const bus = new InvalidationBus({
    subscriber: options.subscriber,
    publisher: options.publisher,
    prefix: options.prefix,
    logger,
    metrics: options.metrics,
    topic: { name: 'refs', counter: options.metrics.refUpdateAnnouncements, what: 'ref update announcement' },
  });
  bus.onInvalidate((repos) => {
    for (const repo of repos) {
      const repoPath = path.resolve(root, repo);
      // Only repositories below the root: a message naming anything else is not gitgate's.
      if (repoPath.startsWith(root + path.sep)) updates.changed(repoPath);
    }
  });
  bus.onReset(() => updates.forgetAll());
  updates.publishThrough(async (repoPath) => {
    try {
      await bus.publish([path.relative(root, repoPath)], 0);
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'could not announce a push to the other instances; they notice it by its timestamps');
    }
  });
}

function realPathOf(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}
