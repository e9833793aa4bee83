/**
 * What one instance knows of the revocation generation, and for how long it
 * may rely on it. The database is polled every `pollMs`; invalidations
 * heard over Redis and made here raise the known value at once. The value
 * is trusted for `leaseMs` after the poll that confirmed it was *sent* (a
 * slow answer cannot stretch trust past a change made meanwhile). So once a
 * generation is advanced, every instance either knows it or has stopped
 * trusting its cached records within `leaseMs`: that is how long a revoke
 * waits when it could not tell every instance directly.
 */
import type { Logger } from 'pino';
import type { RevocationGenerationStore } from '../tokens/revocation-generation.store.js';

/** How often each instance reads the generation, and how long a reading is trusted. */
export interface GenerationTiming {
  pollMs: number;
  leaseMs: number;
}

/** Once a second; trusted for three, so two lost polls in a row are tolerated. */
export const DEFAULT_GENERATION_TIMING: GenerationTiming = { pollMs: 1000, leaseMs: 3000 };

export class GenerationWatch {
  private known = 0;
  /** performance.now() when the last successful poll was sent; -Infinity before the first. */
  private confirmedAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private failing = false;

  constructor(
    private readonly store: RevocationGenerationStore,
    private readonly logger: Logger,
    readonly timing: GenerationTiming = DEFAULT_GENERATION_TIMING,
  ) {}

  /** Polls now and then every `pollMs`; resolves after the first poll (successful or not). */
  start(): Promise<void> {
    if (!this.timer) {
      this.timer = setInterval(() => void this.poll(), this.timing.pollMs);
      this.timer.unref();
    }
    return this.poll();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The generation cached records must carry to be trusted, or null while it is not known for certain. */
  trusted(): number | null {
    return performance.now() - this.confirmedAt < this.timing.leaseMs ? this.known : null;
  }

  /** Raises the known generation (from an invalidation message or one made here). */
  learn(generation: number): void {
    if (generation > this.known) this.known = generation;
  }

  private poll(): Promise<void> {
    this.polling ??= this.read().finally(() => {
      this.polling = null;
    });
    return this.polling;
  }

  private async read(): Promise<void> {
    const sentAt = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out')), this.timing.pollMs);
    });
    try {
      this.learn(await Promise.race([this.store.current(), timeout]));
      this.confirmedAt = Math.max(this.confirmedAt, sentAt);
      if (this.failing) this.logger.info('revocation generation readable again; cached tokens trusted');
      this.failing = false;
    } catch (err) {
      if (!this.failing) {
        this.logger.warn({ err: (err as Error).message }, 'cannot read the revocation generation; cached tokens are not trusted until it is back');
      }
      this.failing = true;
    } finally {
      clearTimeout(timer);
    }
  }
}
