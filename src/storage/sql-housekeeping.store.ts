/** HousekeepingStore on Kysely, for SQLite and PostgreSQL alike. */
import { sql, type Kysely } from 'kysely';
import type { MaintenanceKind } from '../housekeeping/housekeeping-policy.js';
import type { HousekeepingState, HousekeepingStore } from '../housekeeping/housekeeping.store.js';
import type { DialectHelper } from './dialects/dialect.js';
import type { Schema } from './schema.js';

/**
 * Rows of `repository_housekeeping`. Counting a push is one upsert that
 * returns the new count, so two instances counting at once each see their
 * own number and exactly one of them sees the one that makes a run due.
 */
export class SqlHousekeepingStore implements HousekeepingStore {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly dialect: DialectHelper,
  ) {}

  async countPush(projectId: number): Promise<number> {
    const row = await this.db
      .insertInto('repository_housekeeping')
      .values({ project_id: projectId, pushes_since_full: 1, last_incremental_at: null, last_full_at: null })
      .onConflict((oc) => oc.column('project_id').doUpdateSet({ pushes_since_full: sql`repository_housekeeping.pushes_since_full + 1` }))
      .returning('pushes_since_full')
      .executeTakeFirstOrThrow();
    return Number(row.pushes_since_full);
  }

  async recordRun(projectId: number, kind: MaintenanceKind, covered: number, at: Date): Promise<void> {
    const stamp = this.dialect.toTimestamp(at);
    const update =
      kind === 'full'
        ? { last_full_at: stamp, pushes_since_full: sql<number>`case when repository_housekeeping.pushes_since_full > ${covered} then repository_housekeeping.pushes_since_full - ${covered} else 0 end` }
        : { last_incremental_at: stamp };
    await this.db
      .insertInto('repository_housekeeping')
      .values({ project_id: projectId, pushes_since_full: 0, last_incremental_at: kind === 'incremental' ? stamp : null, last_full_at: kind === 'full' ? stamp : null })
      .onConflict((oc) => oc.column('project_id').doUpdateSet(update))
      .execute();
  }

  async state(projectId: number): Promise<HousekeepingState> {
    const row = await this.db.selectFrom('repository_housekeeping').selectAll().where('project_id', '=', projectId).executeTakeFirst();
    return {
      pushesSinceFull: row ? Number(row.pushes_since_full) : 0,
      lastIncrementalAt: row?.last_incremental_at ? this.dialect.fromTimestamp(row.last_incremental_at) : null,
      lastFullAt: row?.last_full_at ? this.dialect.fromTimestamp(row.last_full_at) : null,
    };
  }
}
