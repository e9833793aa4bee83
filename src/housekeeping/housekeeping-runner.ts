/**
 * Runs housekeeping jobs: one at a time per repository, at most
 * `concurrency` at once across every instance sharing the database, and
 * never while a push to the repository runs.
 *
 * - Across instances, two kinds of lease in the database (see
 *   HousekeepingLeases): one of `concurrency` slots and the repository's
 *   own, both renewed while git runs and given up after it.
 * - In this process, one job per project is queued or running; a second
 *   request for it is coalesced into the first.
 * - A job whose repository has a push under way — in this process
 *   (PushActivity) or on any instance (git's push quarantine in the
 *   repository, see RepositoryMaintenance.pushReceiving) — or that finds
 *   every slot taken, waits `retryMs` and tries again; one whose repository
 *   lease another instance holds is dropped: that instance is at it.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.js';
import type { LeaseStore } from '../notifications/lease.store.js';
import { HousekeepingLeases, projectLease } from './housekeeping-leases.js';
import type { MaintenanceKind } from './housekeeping-policy.js';
import type { HousekeepingStore } from './housekeeping.store.js';

/** What one run reports (RepositoryMaintenance's report). */
export interface RunReport {
  task: MaintenanceKind;
  before: { packs: number; looseObjects: number };
  after: { packs: number; looseObjects: number };
  packedRefs: boolean;
  durationMs: number;
}

/** Runs the git commands of housekeeping (implemented by git/repository-maintenance.ts). */
export interface MaintenanceRunner {
  run(repoPath: string, task: MaintenanceKind, signal?: AbortSignal): Promise<RunReport>;
  /** Whether a push is receiving objects into the repository now, on any instance. */
  pushReceiving(repoPath: string): boolean;
}

/** The pushes running in this process (implemented by git/repository-pushes.ts). */
export interface PushActivity {
  running(repoPath: string): number;
}

/** One repository to keep. */
export interface HousekeepingJob {
  projectId: number;
  repoPath: string;
  kind: MaintenanceKind;
  /** Pushes the counter held when the job was made; a full run takes them off it. */
  covered: number;
}

/** How a job ended: ran, or why it did not run (yet). */
export type JobResult =
  | { status: 'done'; report: RunReport }
  | { status: 'failed'; error: Error }
  | { status: 'busy' }
  | { status: 'waiting'; reason: 'push' | 'slots' };

export interface HousekeepingRunnerDeps {
  store: HousekeepingStore;
  leases: LeaseStore;
  maintenance: MaintenanceRunner;
  pushes: PushActivity;
  clock: Clock;
  logger: Logger;
  /** Runs at once across every instance sharing the database. */
  concurrency: number;
  /** Wait before a job that found a push or no free slot tries again (default 30 s). */
  retryMs?: number;
  /** This instance's name in the leases; default: host, pid and a random part. */
  holder?: string;
}

export class HousekeepingRunner {
  readonly holder: string;
  readonly #queue: HousekeepingJob[] = [];
  /** Projects queued, waiting to retry, or running here. */
  readonly #pending = new Map<number, HousekeepingJob>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #active = 0;
  #stopped = false;
  #idleWaiters: Array<() => void> = [];
  #running: Array<Promise<unknown>> = [];
  readonly #leases: HousekeepingLeases;
  /** Aborted by `stop`: git runs under way are signalled. */
  readonly #stopping = new AbortController();

  constructor(private readonly deps: HousekeepingRunnerDeps) {
    this.holder = deps.holder ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.#leases = new HousekeepingLeases(deps.leases, deps.clock, this.holder, deps.concurrency);
  }

  /** Whether a job for `projectId` is queued, waiting or running in this process. */
  has(projectId: number): boolean {
    return this.#pending.has(projectId);
  }

  /**
   * Queues `job` unless one for its project is pending here already (then a
   * full job upgrades a pending incremental one, for its next try if it is
   * running); false when coalesced or stopped.
   */
  schedule(job: HousekeepingJob): boolean {
    if (this.#stopped) return false;
    const pending = this.#pending.get(job.projectId);
    if (pending) {
      if (job.kind === 'full' && pending.kind === 'incremental') Object.assign(pending, { kind: 'full', covered: job.covered });
      return false;
    }
    this.#pending.set(job.projectId, job);
    this.#queue.push(job);
    this.#pump();
    return true;
  }

  /**
   * Runs `job` now, through the same gates as a queued one but without
   * waiting or retrying (the CLI); `busy` when a job of its project is
   * pending here already.
   */
  async runNow(job: HousekeepingJob): Promise<JobResult> {
    if (this.#stopped || this.#pending.has(job.projectId)) return { status: 'busy' };
    this.#pending.set(job.projectId, job);
    const run = this.#attempt(job);
    this.#running.push(run);
    try {
      return await run;
    } finally {
      this.#running = this.#running.filter((r) => r !== run);
      this.#pending.delete(job.projectId);
      if (this.#pending.size === 0) this.#wakeIdle();
    }
  }

  /** Resolves once nothing is queued, waiting or running here. */
  idle(): Promise<void> {
    if (this.#pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Stops taking and retrying jobs, stops the git runs under way (git
   * leaves the repository whole) and waits for them (their leases are given
   * up as they end), and gives up the repository leases of the jobs
   * dropped (a trigger takes one before its job runs).
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopping.abort();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#queue.splice(0);
    await Promise.allSettled(this.#running);
    const dropped = [...this.#pending.keys()];
    this.#pending.clear();
    await this.#leases.release(dropped.map(projectLease));
    this.#wakeIdle();
  }

  #pump(): void {
    while (!this.#stopped && this.#active < this.deps.concurrency && this.#queue.length > 0) {
      const job = this.#queue.shift()!;
      this.#active++;
      const run = this.#attempt(job).then((result) => this.#settle(job, result));
      this.#running.push(run);
      void run.finally(() => {
        this.#running = this.#running.filter((r) => r !== run);
        this.#active--;
        this.#pump();
      });
    }
  }

  #settle(job: HousekeepingJob, result: JobResult): void {
    if (result.status === 'waiting' && !this.#stopped) {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        if (this.#stopped) return;
        this.#queue.push(job);
        this.#pump();
      }, this.deps.retryMs ?? 30_000);
      timer.unref();
      this.#timers.add(timer);
      return;
    }
    this.#pending.delete(job.projectId);
    if (this.#pending.size === 0) this.#wakeIdle();
  }

  /** One try: the push check, a slot, the repository's lease, git; every lease taken is given up before it resolves. */
  async #attempt(queued: HousekeepingJob): Promise<JobResult> {
    const { logger } = this.deps;
    // What runs is fixed here: a later upgrade of a pending job applies to its next try only.
    const job = { ...queued };
    const log = { projectId: job.projectId, task: job.kind };
    if (this.#pushRunning(job.repoPath)) return { status: 'waiting', reason: 'push' };
    const held: string[] = [];
    try {
      const slot = await this.#leases.slot();
      if (!slot) return { status: 'waiting', reason: 'slots' };
      held.push(slot);
      const repo = projectLease(job.projectId);
      if (!(await this.#leases.take(repo))) return { status: 'busy' };
      held.push(repo);
      // Checked again under the lease: a push may have begun while the leases were taken.
      if (this.#pushRunning(job.repoPath)) return { status: 'waiting', reason: 'push' };
      const stopRenewing = this.#leases.keep(held, (lease) => logger.warn({ ...log, lease }, 'housekeeping lost its lease while git ran'));
      try {
        const report = await this.deps.maintenance.run(job.repoPath, job.kind, this.#stopping.signal);
        await this.deps.store.recordRun(job.projectId, job.kind, job.covered, this.deps.clock.now());
        logger.info({ ...log, before: report.before, after: report.after, packedRefs: report.packedRefs, durationMs: report.durationMs }, 'housekeeping ran');
        return { status: 'done', report };
      } finally {
        stopRenewing();
      }
    } catch (err) {
      if (this.#stopped) logger.info(log, 'housekeeping stopped: gitgate is stopping');
      else logger.warn({ ...log, err }, 'housekeeping failed');
      return { status: 'failed', error: err instanceof Error ? err : new Error(String(err)) };
    } finally {
      await this.#leases.release(held);
    }
  }

  #pushRunning(repoPath: string): boolean {
    return this.deps.pushes.running(repoPath) > 0 || this.deps.maintenance.pushReceiving(repoPath);
  }

  #wakeIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
