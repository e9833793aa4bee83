/**
 * Git operations at `/-/metrics` by how they ended: one per git request over
 * HTTP (a ref advertisement, an upload-pack or receive-pack POST) and one per
 * git command over SSH, counted and timed from the moment its service is
 * known. Labels are fixed sets; never a repository, user or path.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { GitCommandService } from '../identity/git-service.js';

/** The edge an operation came through. */
export type GitTransport = 'http' | 'ssh';

/**
 * How an operation ended: `ok` (git ran for it and succeeded — also when its
 * run filled a cache — or a HEAD answered from headers), `cached` (answered
 * by the answer or fetch cache without a git run of its own: a kept answer,
 * or a run started for another request), `refused` (authentication or
 * authorization refused it, or a concurrency limit or shutdown did), `error`
 * (anything else: git failed or was stopped, the client went away, a
 * timeout, a server failure).
 */
export type GitOutcome = 'ok' | 'error' | 'refused' | 'cached';

/** Seconds: from a ref advertisement's milliseconds to an hour-long push. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/** Records one operation's outcome; calls after the first are ignored. */
export type FinishOperation = (outcome: GitOutcome) => void;

/**
 * `gitgate_git_operations_total{transport,service,outcome}` and
 * `gitgate_git_operation_duration_seconds{transport,service}`. One per
 * registry, shared by both git edges.
 */
export class GitOutcomeMetrics {
  readonly #operations: Counter<'transport' | 'service' | 'outcome'>;
  readonly #duration: Histogram<'transport' | 'service'>;

  constructor(registry: Registry) {
    this.#operations = new Counter({
      name: 'gitgate_git_operations_total',
      help: 'Git operations (HTTP git requests, SSH git commands) by transport, service and outcome (ok, cached, refused, error)',
      labelNames: ['transport', 'service', 'outcome'],
      registers: [registry],
    });
    this.#duration = new Histogram({
      name: 'gitgate_git_operation_duration_seconds',
      help: 'Time from a git operation\'s start (its service known) to its end, by transport and service',
      labelNames: ['transport', 'service'],
      buckets: DURATION_BUCKETS,
      registers: [registry],
    });
  }

  /** Starts timing an operation of `service` over `transport`. */
  start(transport: GitTransport, service: GitCommandService): FinishOperation {
    const stop = this.#duration.startTimer({ transport, service });
    let done = false;
    return (outcome) => {
      if (done) return;
      done = true;
      stop();
      this.#operations.inc({ transport, service, outcome });
    };
  }
}
