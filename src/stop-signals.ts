/**
 * The signals that stop `gitgate serve`, SIGTERM and SIGINT, held from the
 * moment a StopSignals is made until `close`. Node has no listener of its
 * own for them: without one the process dies of the signal at once,
 * skipping the drain. Held, none does — not one that comes while the
 * server starts, nor one right after its banner, nor one repeated during
 * the drain.
 */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/** SIGTERM and SIGINT, listened for until `close`. */
export class StopSignals {
  /** Resolves with the first signal received. */
  readonly first: Promise<NodeJS.Signals>;
  #received: NodeJS.Signals | null = null;
  #resolveFirst: (signal: NodeJS.Signals) => void = () => undefined;
  #onRepeat: (signal: NodeJS.Signals) => void = () => undefined;
  readonly #listener = (signal: NodeJS.Signals): void => {
    if (this.#received) return this.#onRepeat(signal);
    this.#received = signal;
    this.#resolveFirst(signal);
  };

  /** Starts listening: from here on, SIGTERM and SIGINT are this object's. */
  constructor() {
    this.first = new Promise<NodeJS.Signals>((resolve) => (this.#resolveFirst = resolve));
    for (const signal of STOP_SIGNALS) process.on(signal, this.#listener);
  }

  /** The first signal received, or null while there was none. */
  get received(): NodeJS.Signals | null {
    return this.#received;
  }

  /** `listener` is called with each signal after the first (they change nothing else). */
  onRepeat(listener: (signal: NodeJS.Signals) => void): void {
    this.#onRepeat = listener;
  }

  /** Stops listening: the signals' default action applies again. */
  close(): void {
    for (const signal of STOP_SIGNALS) process.off(signal, this.#listener);
  }
}
