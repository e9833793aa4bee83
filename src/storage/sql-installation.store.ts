/** InstallationStore on Kysely, for SQLite and PostgreSQL alike. */
import type { Kysely } from 'kysely';
import type { InstallationStore } from '../setup/installation.store.js';
import type { DialectHelper } from './dialects/dialect.js';
import type { Schema } from './schema.js';

/** Rows of `installation_fingerprints`. */
export class SqlInstallationStore implements InstallationStore {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly dialect: DialectHelper,
  ) {}

  async all(): Promise<Map<string, string>> {
    const rows = await this.db.selectFrom('installation_fingerprints').select(['name', 'value']).execute();
    return new Map(rows.map((r) => [r.name, r.value]));
  }

  async recordIfAbsent(name: string, value: string, at: Date): Promise<string> {
    await this.db
      .insertInto('installation_fingerprints')
      .values({ name, value, recorded_at: this.dialect.toTimestamp(at) })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const row = await this.db.selectFrom('installation_fingerprints').select('value').where('name', '=', name).executeTakeFirstOrThrow();
    return row.value;
  }

  async replace(name: string, value: string, at: Date): Promise<void> {
    const recordedAt = this.dialect.toTimestamp(at);
    await this.db
      .insertInto('installation_fingerprints')
      .values({ name, value, recorded_at: recordedAt })
      .onConflict((oc) => oc.column('name').doUpdateSet({ value, recorded_at: recordedAt }))
      .execute();
  }
}
