/**
 * When housekeeping runs, after GitLab's push-based trigger: every
 * `incrementalEvery` pushes an incremental repack, every `fullEvery` pushes
 * a full one (GitLab's defaults: 10 and 50). The counter is the shared
 * pushes-since-full-repack, so every instance makes the same decision.
 */

/** The two kinds of run (see git/repository-maintenance.ts for what each does). */
export type MaintenanceKind = 'incremental' | 'full';

/** How often and how many housekeeping runs. */
export interface HousekeepingSettings {
  /** Pushes between incremental runs; 0: never after pushes. */
  incrementalEvery: number;
  /** Pushes between full runs; 0: never after pushes. */
  fullEvery: number;
  /** Runs at once across every instance sharing the database. */
  concurrency: number;
}

/** GitLab's housekeeping periods, one run at a time. */
export const DEFAULT_HOUSEKEEPING: Readonly<HousekeepingSettings> = Object.freeze({ incrementalEvery: 10, fullEvery: 50, concurrency: 1 });

/**
 * The run due after the push that made the counter `pushes`, or null. A
 * full run covers an incremental one; an incremental run due past
 * `fullEvery` (the full one was missed: another run held the repository)
 * becomes the full one, since only a full run resets the counter.
 */
export function dueAfterPush(pushes: number, settings: HousekeepingSettings): MaintenanceKind | null {
  if (pushes <= 0) return null;
  const incremental = settings.incrementalEvery > 0 && pushes % settings.incrementalEvery === 0;
  if (settings.fullEvery > 0 && (pushes % settings.fullEvery === 0 || (incremental && pushes > settings.fullEvery))) return 'full';
  return incremental ? 'incremental' : null;
}
