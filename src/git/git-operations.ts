/**
 * Book-keeping of running git operations: how many may run at once (in all,
 * and from one client address), and what shutdown lets finish.
 */
import { OverloadedError, TooManyRequestsError, UnavailableError } from '../lib/errors.js';
import { addressGroup } from './address-group.js';

/** Ends one operation; calling it more than once is harmless. */
export type EndOperation = () => void;

/** Bounds on the git operations in flight (HTTP and SSH together). */
export interface OperationLimits {
  /** Operations at once, every client together. */
  maxOperations: number;
  /** Operations at once from one client address (an IPv6 client: its /64). */
  maxPerAddress: number;
}

/**
 * 256 in all; 64 per address: a clone holds one operation at a time (the
 * ref advertisement, then each fetch request in turn), so one address may
 * run 64 clones at once — four times `npm run bench`'s 16, room for a CI
 * fleet behind one NAT address.
 */
export const DEFAULT_OPERATION_LIMITS: Readonly<OperationLimits> = Object.freeze({ maxOperations: 256, maxPerAddress: 64 });

/** What a refused client is told to wait before it tries again. */
export const RETRY_AFTER_SECONDS = 10;

/** Operations refused so far, by the limit that refused them. */
export interface OperationRefusals {
  address: number;
  total: number;
}

interface Running {
  terminate: () => void;
  group: string;
}

/**
 * The git operations in flight in one process. Every git run and every
 * cached answer being sent registers here with its client's address;
 * `drain` is what a graceful shutdown awaits.
 *
 * @example
 * const operations = new GitOperations({ maxOperations: 256, maxPerAddress: 64 });
 * app.use(createGitRouter({ authorizer, logger, options, operations }));
 * process.on('SIGTERM', async () => { server.close(); await operations.drain(30_000); });
 */
export class GitOperations {
  readonly limits: Readonly<OperationLimits>;
  readonly #running = new Set<Running>();
  readonly #perGroup = new Map<string, number>();
  readonly #refusals: OperationRefusals = { address: 0, total: 0 };
  #idleWaiters: Array<() => void> = [];
  #closing = false;

  constructor(limits: Partial<OperationLimits> = {}) {
    this.limits = Object.freeze({ ...DEFAULT_OPERATION_LIMITS, ...limits });
  }

  /** Number of git operations in flight. */
  get active(): number {
    return this.#running.size;
  }

  /** Operations refused by each limit since start. */
  get refusals(): Readonly<OperationRefusals> {
    return { ...this.#refusals };
  }

  /** True once `drain` was called: new operations are refused. */
  get closing(): boolean {
    return this.#closing;
  }

  /** Operations in flight from `client`'s address group (see addressGroup). */
  activeFrom(client: string): number {
    return this.#perGroup.get(addressGroup(client)) ?? 0;
  }

  /**
   * Registers an operation of `client` (its address); `terminate` must stop
   * it promptly (drain calls it when the grace period is over). Returns the
   * function that ends it.
   * @throws UnavailableError once draining started.
   * @throws TooManyRequestsError when `client`'s address runs `maxPerAddress` operations already.
   * @throws OverloadedError when `maxOperations` run already.
   */
  begin(client: string, terminate: () => void): EndOperation {
    if (this.#closing) throw new UnavailableError('shutting down');
    const group = addressGroup(client);
    const held = this.#perGroup.get(group) ?? 0;
    if (held >= this.limits.maxPerAddress) {
      this.#refusals.address++;
      throw new TooManyRequestsError(
        `Too many git operations from your address at once (the limit is ${this.limits.maxPerAddress}); try again later.`,
        RETRY_AFTER_SECONDS,
      );
    }
    if (this.#running.size >= this.limits.maxOperations) {
      this.#refusals.total++;
      throw new OverloadedError('The server is running as many git operations as it allows; try again later.', RETRY_AFTER_SECONDS);
    }
    const entry: Running = { terminate, group };
    this.#running.add(entry);
    this.#perGroup.set(group, held + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.#running.delete(entry);
      const left = (this.#perGroup.get(group) ?? 1) - 1;
      if (left > 0) this.#perGroup.set(group, left);
      else this.#perGroup.delete(group);
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
    for (const { terminate } of [...this.#running]) terminate();
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
