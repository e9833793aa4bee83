/**
 * Book-keeping of running git operations, so shutdown can let them finish.
 */
import { UnavailableError } from '../lib/errors.js';

/** Ends one operation; calling it more than once is harmless. */
export type EndOperation = () => void;

/**
 * The git operations in flight in one process. The router registers each
 * spawned git process; `drain` is what a graceful shutdown awaits.
 *
 * @example
 * const operations = new GitOperations();
 * app.use(createGitRouter({ authorizer, logger, options, operations }));
 * process.on('SIGTERM', async () => { server.close(); await operations.drain(30_000); });
 */
export class GitOperations {
  readonly #running = new Set<() => void>();
  #idleWaiters: Array<() => void> = [];
  #closing = false;

  /** Number of git operations in flight. */
  get active(): number {
    return this.#running.size;
  }

  /** True once `drain` was called: new operations are refused. */
  get closing(): boolean {
    return this.#closing;
  }

  /**
   * Registers an operation; `terminate` must stop it promptly (drain calls it
   * when the grace period is over). Returns the function that ends it.
   * @throws UnavailableError once draining started.
   */
  begin(terminate: () => void): EndOperation {
    if (this.#closing) throw new UnavailableError('shutting down');
    this.#running.add(terminate);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.#running.delete(terminate);
      if (this.#running.size === 0) this.#wakeIdle();
    };
  }

  /** Resolves as soon as no operation is running (at once when none is). */
  idle(): Promise<void> {
    if (this.#running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Refuses new operations, waits up to `timeoutMs` for running ones, then
   * terminates the rest and waits (again at most `timeoutMs`) for them to end.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.#closing = true;
    if (await this.#idleWithin(timeoutMs)) return;
    for (const terminate of [...this.#running]) terminate();
    await this.#idleWithin(Math.max(timeoutMs, 1000));
  }

  async #idleWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    try {
      return await Promise.race([this.idle().then(() => true as const), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  #wakeIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
