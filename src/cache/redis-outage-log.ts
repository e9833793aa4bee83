/**
 * What the log says about Redis: one warning when it becomes unreachable
 * (or is unreachable at start), one line when it is back, however many
 * connections gitgate holds and however often they retry in between.
 */
import type { Logger } from 'pino';

/** Reports the state of a set of Redis connections (by role) to the log, once per change. */
export class RedisOutageLog {
  readonly #ready = new Map<string, boolean>();
  /** `starting` until every connection was ready once or one failed; then up or down; `stopped` once closing. */
  #phase: 'starting' | 'up' | 'down' | 'stopped' = 'starting';

  constructor(private readonly logger: Logger) {}

  /** Declares a connection, not ready yet. */
  register(role: string): void {
    this.#ready.set(role, false);
  }

  /** A connection is ready: logs once every connection is, at start or after an outage. */
  ready(role: string): void {
    this.#ready.set(role, true);
    if (this.#phase === 'up' || this.#phase === 'stopped' || ![...this.#ready.values()].every(Boolean)) return;
    const roles = [...this.#ready.keys()];
    if (this.#phase === 'down') this.logger.info({ redis: roles }, 'redis available again; the token cache and bans are shared again');
    else this.logger.info({ redis: roles }, 'redis connected');
    this.#phase = 'up';
  }

  /**
   * A connection failed or closed (`reason`: the error, when there is one).
   * Logs a warning when it starts an outage, or when Redis was never reached.
   */
  down(role: string, reason?: string): void {
    this.#ready.set(role, false);
    if (this.#phase === 'down' || this.#phase === 'stopped') return;
    const message =
      this.#phase === 'starting'
        ? 'redis unreachable at start; authenticating from the database until it answers'
        : 'redis unavailable; authenticating from the database';
    this.logger.warn({ redis: role, ...(reason ? { err: reason } : {}) }, message);
    this.#phase = 'down';
  }

  /** The connections are being closed on purpose: nothing more to report. */
  stop(): void {
    this.#phase = 'stopped';
  }
}
