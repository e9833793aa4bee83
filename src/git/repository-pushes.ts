/**
 * The pushes (`git receive-pack` runs) in flight in this process, per
 * repository, from both git edges; and the news of each one that ended.
 * Housekeeping reads it so that it never starts while a push to the same
 * repository runs, and is told of every push that succeeded.
 */

/** One push: the repository it writes to. */
export interface PushTarget {
  repoPath: string;
  projectId: number;
}

/** Called once per push when it ended; `succeeded` when git exited 0 and nothing cut it short. */
export type PushEndedListener = (push: PushTarget, succeeded: boolean) => void;

/**
 * Counts running pushes per repository path. A listener that throws is
 * isolated: the push it hears about is already over.
 *
 * @example
 * const done = pushes.begin({ repoPath, projectId });
 * const outcome = await runReceivePack();
 * done(outcome === 'ok');
 */
export class RepositoryPushes {
  readonly #running = new Map<string, number>();
  readonly #listeners: PushEndedListener[] = [];
  readonly #idleWaiters = new Map<string, Array<() => void>>();

  /** Registers a push to `push.repoPath`; returns the function that ends it (calls after the first are ignored). */
  begin(push: PushTarget): (succeeded: boolean) => void {
    this.#running.set(push.repoPath, (this.#running.get(push.repoPath) ?? 0) + 1);
    let ended = false;
    return (succeeded) => {
      if (ended) return;
      ended = true;
      const left = (this.#running.get(push.repoPath) ?? 1) - 1;
      if (left > 0) this.#running.set(push.repoPath, left);
      else this.#running.delete(push.repoPath);
      for (const listener of this.#listeners) {
        try {
          listener(push, succeeded);
        } catch {
          // The push is over whatever a listener does with the news.
        }
      }
      if (left > 0) return;
      const waiters = this.#idleWaiters.get(push.repoPath) ?? [];
      this.#idleWaiters.delete(push.repoPath);
      for (const wake of waiters) wake();
    };
  }

  /** Pushes to `repoPath` running now in this process. */
  running(repoPath: string): number {
    return this.#running.get(repoPath) ?? 0;
  }

  /** Resolves once no push to `repoPath` runs in this process (at once when none does), after the listeners heard of the last one. */
  idle(repoPath: string): Promise<void> {
    if (this.running(repoPath) === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.#idleWaiters.get(repoPath) ?? [];
      waiters.push(resolve);
      this.#idleWaiters.set(repoPath, waiters);
    });
  }

  /** Adds a listener told of every push that ends from now on. */
  onEnded(listener: PushEndedListener): void {
    this.#listeners.push(listener);
  }
}
