/**
 * What housekeeping keeps per project in the shared database: the pushes
 * since its last full repack (GitLab's `pushes_since_gc`), and when each
 * kind of run last finished. Shared by every instance, so the push that
 * makes a run due is counted once however many instances serve pushes.
 */
import type { MaintenanceKind } from './housekeeping-policy.js';

/** A project's housekeeping record. */
export interface HousekeepingState {
  pushesSinceFull: number;
  lastIncrementalAt: Date | null;
  lastFullAt: Date | null;
}

export interface HousekeepingStore {
  /** Counts one push to the project; resolves to its pushes since the last full repack, this one included. */
  countPush(projectId: number): Promise<number>;
  /**
   * Records a finished run at `at`. A full run takes `covered` pushes off
   * the counter (those counted when it started), so pushes that landed
   * while it ran still count towards the next.
   */
  recordRun(projectId: number, kind: MaintenanceKind, covered: number, at: Date): Promise<void>;
  /** The project's record; zeros and nulls when none was made yet. */
  state(projectId: number): Promise<HousekeepingState>;
}
