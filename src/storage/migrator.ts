/** Brings a database's schema up to date with the static migration list. */
import { Migrator } from 'kysely';
import type { Database } from './database.js';
import { allMigrations } from './migrations/index.js';

/**
 * Applies every pending migration. Kysely takes a lock (a lock table row on
 * PostgreSQL), so instances starting together migrate once. Throws the first
 * failure; a failed migration leaves the schema at the last successful one.
 */
export async function migrateToLatest(database: Database): Promise<string[]> {
  const migrations = allMigrations(database.dialect);
  const migrator = new Migrator({
    db: database.db,
    provider: { getMigrations: async () => migrations },
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed`, { cause: error });
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
