/**
 * Repository housekeeping, as GitLab does it: pushes are counted per
 * project and every so many of them schedule an incremental or a full
 * repack (HousekeepingSettings); a project's maintainers, owners and
 * administrators may also start a full run (`POST
 * /projects/:id/housekeeping`, `gitgate project housekeeping`). The runs
 * themselves are the HousekeepingRunner's: one per repository, bounded
 * across instances, never during a push.
 */
import type { Logger } from 'pino';
import { AccessLevel } from '../identity/access-level.js';
import type { Identity } from '../identity/principal.js';
import type { Clock } from '../lib/clock.js';
import { ConflictError, ForbiddenError, UnavailableError } from '../lib/errors.js';
import type { LeaseStore } from '../notifications/lease.store.js';
import type { Project } from '../projects/project.js';
import type { ProjectService } from '../projects/project.service.js';
import { dueAfterPush, type HousekeepingSettings, type MaintenanceKind } from './housekeeping-policy.js';
import { HOUSEKEEPING_LEASE_MS, projectLease } from './housekeeping-leases.js';
import type { HousekeepingJob, HousekeepingRunner, JobResult } from './housekeeping-runner.js';
import type { HousekeepingState, HousekeepingStore } from './housekeeping.store.js';

export interface HousekeepingServiceDeps {
  runner: HousekeepingRunner;
  store: HousekeepingStore;
  projects: ProjectService;
  leases: LeaseStore;
  clock: Clock;
  logger: Logger;
  settings: HousekeepingSettings;
}

/** GitLab's answer when a run was started already. */
export const ALREADY_TRIGGERED = 'Somebody already triggered housekeeping for this project';

export class HousekeepingService {
  /** Pushes being counted (see `pushed`), so `idle` can wait for the runs they schedule. */
  readonly #counting = new Set<Promise<unknown>>();

  constructor(private readonly deps: HousekeepingServiceDeps) {}

  /**
   * Counts a successful push to the project and queues the run it makes
   * due; resolves to that run's kind (null: none due). Never rejects: a
   * failure to count is logged, and the push is not affected.
   */
  pushed(push: { projectId: number; repoPath: string }): Promise<MaintenanceKind | null> {
    const counted = this.#count(push);
    this.#counting.add(counted);
    void counted.finally(() => this.#counting.delete(counted));
    return counted;
  }

  async #count(push: { projectId: number; repoPath: string }): Promise<MaintenanceKind | null> {
    try {
      const pushes = await this.deps.store.countPush(push.projectId);
      const kind = dueAfterPush(pushes, this.deps.settings);
      if (kind) this.deps.runner.schedule({ ...push, kind, covered: pushes });
      return kind;
    } catch (err) {
      this.deps.logger.warn({ err, projectId: push.projectId }, 'could not count a push for housekeeping');
      return null;
    }
  }

  /**
   * Starts a full run of the project's repository in the background (the
   * API). NotFoundError when the caller cannot see the project,
   * ForbiddenError below maintainer, ConflictError when a run of it is
   * queued here, or another instance holds its lease (triggered there, or
   * running).
   */
  async trigger(actor: Identity, ref: number | string): Promise<Project> {
    const { job, project } = await this.#job(actor, ref);
    const { leases, runner, clock } = this.deps;
    if (runner.has(job.projectId)) throw new ConflictError(ALREADY_TRIGGERED);
    const name = projectLease(job.projectId);
    const now = clock.now();
    // Held from now on, so a trigger on another instance is refused too; the run renews it.
    if (!(await leases.acquire(name, runner.holder, now, new Date(now.getTime() + HOUSEKEEPING_LEASE_MS)))) throw new ConflictError(ALREADY_TRIGGERED);
    if (!runner.schedule(job)) {
      await leases.release(name, runner.holder);
      throw new UnavailableError('shutting down');
    }
    return project;
  }

  /**
   * Runs a full run of the project's repository now and resolves when it
   * ended (the CLI): `busy` when another run of it holds the repository,
   * `waiting` when a push is under way or every slot is taken. Access as
   * for `trigger`.
   */
  async runNow(actor: Identity, ref: number | string): Promise<JobResult> {
    const { job } = await this.#job(actor, ref);
    if (this.deps.runner.has(job.projectId)) return { status: 'busy' };
    return this.deps.runner.runNow(job);
  }

  /** The project's push counter and last runs; access as for `trigger`. */
  async state(actor: Identity, ref: number | string): Promise<HousekeepingState> {
    const { job } = await this.#job(actor, ref);
    return this.deps.store.state(job.projectId);
  }

  /** Resolves once no push is being counted and no run is queued, waiting or running in this process. */
  async idle(): Promise<void> {
    while (this.#counting.size > 0) await Promise.all([...this.#counting]);
    await this.deps.runner.idle();
  }

  /** Stops scheduling runs and waits for those under way. */
  stop(): Promise<void> {
    return this.deps.runner.stop();
  }

  async #job(actor: Identity, ref: number | string): Promise<{ job: HousekeepingJob; project: Project }> {
    const repo = await this.deps.projects.openRepository(actor, ref);
    // GitLab's admin_project: maintainers and owners (administrators are owners everywhere).
    if (repo.level < AccessLevel.maintainer) throw new ForbiddenError('403 Forbidden');
    const { pushesSinceFull } = await this.deps.store.state(repo.project.id);
    return { job: { projectId: repo.project.id, repoPath: repo.repoPath, kind: 'full', covered: pushesSinceFull }, project: repo.project };
  }
}
