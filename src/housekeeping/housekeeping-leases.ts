/**
 * The leases that keep housekeeping runs apart across instances sharing the
 * database (the LeaseStore of the e-mail sweep): `concurrency` slots
 * (`housekeeping:slot:<n>`) bound the runs of all instances together, and
 * each repository's own lease (`housekeeping:project:<id>`) lets one run
 * keep it at a time. The store knows one holder per process, so the slots
 * this process holds are also tracked here: two runs of one process never
 * share a slot.
 */
import type { Clock } from '../lib/clock.js';
import type { LeaseStore } from '../notifications/lease.store.js';

/** How long a lease lasts unless renewed; renewed every third of it while git runs. */
export const HOUSEKEEPING_LEASE_MS = 300_000;

/** The lease naming the one run of a project's repository. */
export function projectLease(projectId: number): string {
  return `housekeeping:project:${projectId}`;
}

export class HousekeepingLeases {
  readonly #slotsHeld = new Set<string>();

  constructor(
    private readonly leases: LeaseStore,
    private readonly clock: Clock,
    /** This process's name in the lease store. */
    readonly holder: string,
    private readonly concurrency: number,
  ) {}

  /** Takes a free slot: its name, or null when all are held (by any instance). */
  async slot(): Promise<string | null> {
    for (let n = 0; n < this.concurrency; n++) {
      const name = `housekeeping:slot:${n}`;
      if (this.#slotsHeld.has(name)) continue;
      // Marked before the await: two runs of this process never race for one slot.
      this.#slotsHeld.add(name);
      try {
        if (await this.take(name)) return name;
      } catch (err) {
        this.#slotsHeld.delete(name);
        throw err;
      }
      this.#slotsHeld.delete(name);
    }
    return null;
  }

  /** Takes (or renews, when this process holds it) the lease `name`; false while another instance holds it. */
  take(name: string): Promise<boolean> {
    const now = this.clock.now();
    return this.leases.acquire(name, this.holder, now, new Date(now.getTime() + HOUSEKEEPING_LEASE_MS));
  }

  /** Renews `names` every third of the lease time until the returned function is called; `lost` hears of one another instance took. */
  keep(names: readonly string[], lost: (name: string) => void): () => void {
    const timer = setInterval(() => {
      for (const name of names) void this.take(name).then((kept) => kept || lost(name), () => lost(name));
    }, HOUSEKEEPING_LEASE_MS / 3);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Gives `names` up; never rejects (an unreleased lease lapses by itself). */
  async release(names: readonly string[]): Promise<void> {
    await Promise.all(names.map((name) => this.leases.release(name, this.holder).catch(() => undefined)));
    for (const name of names) this.#slotsHeld.delete(name);
  }
}
