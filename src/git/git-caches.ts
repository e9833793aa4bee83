/**
 * The two caches of upload-pack answers, made once per instance and handed
 * to both git edges (smart HTTP and SSH), so a ref advertisement or a clone
 * answered over one transport is a kept answer for the other too, under the
 * same keys and the same invalidation (the repository's identity and ref
 * state, see GitAnswerCache and FetchResponseCache).
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { GitAnswerCache } from './git-answer-cache.js';
import type { GitChildOptions } from './git-child.js';
import { FetchResponseCache } from './fetch-cache/fetch-response-cache.js';
import { registerFetchCacheMetrics } from './fetch-cache/fetch-cache-metrics.js';
import { RefStates } from './ref-state.js';
import type { RefUpdates } from './ref-updates.js';

/** The caches both git edges answer upload-pack from. */
export interface GitCaches {
  /** Ref advertisements (v0 advertisement, v2 capabilities, v2 ls-refs) reused instead of running git. */
  answers: GitAnswerCache;
  /** Clone answers shared and reused; null when disabled. */
  fetches: FetchResponseCache | null;
}

/** How the caches run git and where the fetch cache keeps its answers. */
export interface GitCachesOptions extends GitChildOptions {
  /** Longest one git run may take (a ref advertisement's fill is capped at 30 s). */
  timeoutMs: number;
  /** Where and how much of clone answers to keep; absent or `maxBytes` 0: not cached. */
  fetchCache?: { dir: string; maxBytes: number; maxAgeMs: number };
  /** Ref updates known beyond file timestamps (pushes here and announced by other instances); absent: timestamps alone. */
  refUpdates?: RefUpdates;
}

/**
 * Creates the caches; the fetch cache's instruments go to `metrics` when given.
 *
 * @example const caches = createGitCaches({ gitBin: 'git', envPath, homeDir, stderrLimitBytes: 8192, timeoutMs, fetchCache }, logger, registry);
 */
export function createGitCaches(options: GitCachesOptions, logger: Logger, metrics?: Registry): GitCaches {
  const { fetchCache, refUpdates, ...process } = options;
  // Every instance's caches follow the same announcements, so a push anywhere is seen at once.
  const refStates = refUpdates ? { refStates: RefStates.following(refUpdates) } : {};
  const fetches = fetchCache && fetchCache.maxBytes > 0 ? new FetchResponseCache({ ...process, ...fetchCache, ...refStates, logger }) : null;
  if (fetches && metrics) registerFetchCacheMetrics(metrics, fetches);
  return {
    answers: new GitAnswerCache({ ...process, ...refStates, timeoutMs: Math.min(process.timeoutMs, 30_000) }),
    fetches,
  };
}
