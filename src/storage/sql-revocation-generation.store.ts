/** RevocationGenerationStore on Kysely, for SQLite and PostgreSQL alike. */
import { sql, type Kysely } from 'kysely';
import type { RevocationGenerationStore } from '../tokens/revocation-generation.store.js';
import type { Schema } from './schema.js';

/** The single row of `revocation_generation`. */
export class SqlRevocationGenerationStore implements RevocationGenerationStore {
  constructor(private readonly db: Kysely<Schema>) {}

  async current(): Promise<number> {
    const row = await this.db.selectFrom('revocation_generation').select('value').where('id', '=', 1).executeTakeFirstOrThrow();
    return Number(row.value);
  }

  async advance(): Promise<number> {
    const row = await this.db
      .updateTable('revocation_generation')
      .set({ value: sql<number>`value + 1` })
      .where('id', '=', 1)
      .returning('value')
      .executeTakeFirstOrThrow();
    return Number(row.value);
  }
}
