/**
 * HousekeepingRunner's scheduling over the real lease store, on both
 * databases, with a maintenance runner the test releases run by run (git
 * itself is exercised by housekeeping.test.ts): one run per project in a
 * process, the slots bounding runs in a process and across runners sharing
 * the database, and stop signalling the runs under way and freeing their
 * leases.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HousekeepingRunner, type HousekeepingJob, type MaintenanceRunner, type RunReport } from '../../src/housekeeping/housekeeping-runner.js';
import type { MaintenanceKind } from '../../src/housekeeping/housekeeping-policy.js';
import { ManualClock } from '../../src/lib/clock.js';
import { openStores, type Stores } from '../../src/storage/stores.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';
import { newProject, newUser } from '../storage/harness.js';

/** Maintenance whose runs end when the test says so. */
class HeldMaintenance implements MaintenanceRunner {
  readonly started: Array<{ repoPath: string; task: MaintenanceKind; signal: AbortSignal | undefined; finish: () => void }> = [];
  inFlight = 0;
  maxInFlight = 0;

  run(repoPath: string, task: MaintenanceKind, signal?: AbortSignal): Promise<RunReport> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise((resolve, reject) => {
      const report: RunReport = { task, before: { packs: 2, looseObjects: 1 }, after: { packs: 1, looseObjects: 0 }, packedRefs: false, durationMs: 1 };
      const finish = (): void => {
        this.inFlight--;
        resolve(report);
      };
      signal?.addEventListener('abort', () => {
        this.inFlight--;
        reject(new Error('stopped'));
      });
      this.started.push({ repoPath, task, signal, finish });
    });
  }

  pushReceiving(): boolean {
    return false;
  }

  /** Resolves once `count` runs have started. */
  async startedAtLeast(count: number): Promise<void> {
    while (this.started.length < count) await new Promise((resolve) => setImmediate(resolve));
  }
}

const job = (projectId: number, kind: MaintenanceKind = 'full'): HousekeepingJob => ({ projectId, repoPath: `/repos/${projectId}.git`, kind, covered: 0 });

describe.each(databaseKinds())('HousekeepingRunner on %s', (kind) => {
  let db: TestDatabase;
  let stores: Stores;
  let projects: number[];
  const clock = new ManualClock('2026-12-07T05:00:00Z');
  const logger = pino({ level: 'silent' });
  const runner = (maintenance: MaintenanceRunner, concurrency: number, holder: string) =>
    new HousekeepingRunner({ store: stores.housekeeping, leases: stores.leases, maintenance, pushes: { running: () => 0 }, clock, logger, concurrency, holder });

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    stores = await openStores(db.config);
    const owner = await stores.users.create(newUser());
    projects = [];
    for (let i = 0; i < 3; i++) projects.push((await stores.projects.create(newProject(owner.id))).id);
  });
  afterAll(async () => {
    await stores?.close();
    await db?.drop();
  });

  it('runs one job per project at a time in a process: another is coalesced, a run now is busy', async () => {
    const held = new HeldMaintenance();
    const r = runner(held, 2, 'instance-a');
    expect(r.schedule(job(projects[0]!, 'incremental'))).toBe(true);
    await held.startedAtLeast(1);
    expect(r.schedule(job(projects[0]!))).toBe(false);
    expect(await r.runNow(job(projects[0]!))).toEqual({ status: 'busy' });
    held.started[0]!.finish();
    await r.idle();
    expect(held.started).toHaveLength(1);
    expect(await stores.housekeeping.state(projects[0]!)).toMatchObject({ lastIncrementalAt: clock.now() });
  });

  it('bounds the runs of a process by its slots, and queues the rest', async () => {
    const held = new HeldMaintenance();
    const r = runner(held, 2, 'instance-a');
    for (const id of projects) r.schedule(job(id));
    await held.startedAtLeast(2);
    expect(held.inFlight).toBe(2);
    held.started[0]!.finish();
    await held.startedAtLeast(3);
    held.started[1]!.finish();
    held.started[2]!.finish();
    await r.idle();
    expect(held.maxInFlight).toBe(2);
  });

  it('shares the slots and the repository leases with another runner on the same database', async () => {
    const heldA = new HeldMaintenance();
    const heldB = new HeldMaintenance();
    const a = runner(heldA, 1, 'instance-a');
    const b = runner(heldB, 1, 'instance-b');
    const running = a.runNow(job(projects[0]!));
    await heldA.startedAtLeast(1);
    expect(await b.runNow(job(projects[1]!))).toEqual({ status: 'waiting', reason: 'slots' });
    const wide = runner(heldB, 2, 'instance-b');
    expect(await wide.runNow(job(projects[0]!))).toEqual({ status: 'busy' });
    heldA.started[0]!.finish();
    expect(await running).toMatchObject({ status: 'done' });
    // Both leases were given up: the other runner takes them at once.
    const after = wide.runNow(job(projects[0]!));
    await heldB.startedAtLeast(1);
    heldB.started[0]!.finish();
    expect(await after).toMatchObject({ status: 'done' });
  });

  it('stop signals the runs under way and frees their leases', async () => {
    const held = new HeldMaintenance();
    const r = runner(held, 1, 'instance-c');
    r.schedule(job(projects[2]!));
    await held.startedAtLeast(1);
    await r.stop();
    expect(held.started[0]!.signal?.aborted).toBe(true);
    expect(r.schedule(job(projects[1]!))).toBe(false);
    const heldD = new HeldMaintenance();
    const next = runner(heldD, 1, 'instance-d').runNow(job(projects[2]!));
    await heldD.startedAtLeast(1);
    heldD.started[0]!.finish();
    expect(await next).toMatchObject({ status: 'done' });
  });
});
