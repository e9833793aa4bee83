/** SshKeyStore on Kysely, for SQLite and PostgreSQL alike. */
import type { Kysely } from 'kysely';
import { isSshKeyUsage, type NewSshKey, type SshKey, type SshKeyUsage } from '../ssh-keys/ssh-key.js';
import type { SshKeyStore } from '../ssh-keys/ssh-key.store.js';
import { ConflictError } from '../lib/errors.js';
import type { DialectHelper } from './dialects/dialect.js';
import type { Schema, SshKeyRow } from './schema.js';
import { toCount } from './sql-helpers.js';

/** Keys in `ssh_keys`; lists by id ascending. */
export class SqlSshKeyStore implements SshKeyStore {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly dialect: DialectHelper,
  ) {}

  /** Throws ConflictError when the fingerprint is already stored. */
  async create(key: NewSshKey): Promise<SshKey> {
    const d = this.dialect;
    try {
      const row = await this.db
        .insertInto('ssh_keys')
        .values({
          user_id: key.userId,
          title: key.title,
          key: key.key,
          fingerprint_sha256: key.fingerprint,
          usage_type: key.usageType,
          created_at: d.toTimestamp(key.createdAt),
          expires_at: key.expiresAt === null ? null : d.toTimestamp(key.expiresAt),
          last_used_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return this.toKey(row);
    } catch (error) {
      if (d.uniqueViolation(error) !== null) throw new ConflictError('Fingerprint has already been taken');
      throw error;
    }
  }

  async findById(id: number): Promise<SshKey | null> {
    const row = await this.db.selectFrom('ssh_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? this.toKey(row) : null;
  }

  async findByFingerprint(fingerprint: string): Promise<SshKey | null> {
    const row = await this.db
      .selectFrom('ssh_keys')
      .selectAll()
      .where('fingerprint_sha256', '=', fingerprint)
      .executeTakeFirst();
    return row ? this.toKey(row) : null;
  }

  async listByUser(userId: number, page?: { limit: number; offset: number }): Promise<SshKey[]> {
    let qb = this.db.selectFrom('ssh_keys').selectAll().where('user_id', '=', userId).orderBy('id', 'asc');
    if (page) qb = qb.limit(page.limit).offset(page.offset);
    return (await qb.execute()).map((row) => this.toKey(row));
  }

  async countByUser(userId: number): Promise<number> {
    const row = await this.db
      .selectFrom('ssh_keys')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return toCount(row?.n);
  }

  async delete(id: number): Promise<boolean> {
    const result = await this.db.deleteFrom('ssh_keys').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async touch(id: number, at: Date): Promise<void> {
    await this.db.updateTable('ssh_keys').set({ last_used_at: this.dialect.toTimestamp(at) }).where('id', '=', id).execute();
  }

  private toKey(row: SshKeyRow): SshKey {
    const d = this.dialect;
    return {
      id: row.id,
      userId: row.user_id,
      title: row.title,
      key: row.key,
      fingerprint: row.fingerprint_sha256,
      usageType: usage(row.usage_type),
      createdAt: d.fromTimestamp(row.created_at),
      expiresAt: row.expires_at === null ? null : d.fromTimestamp(row.expires_at),
      lastUsedAt: row.last_used_at === null ? null : d.fromTimestamp(row.last_used_at),
    };
  }
}

/** An unknown stored usage grants the least: signing only, never sign-in. */
function usage(value: string): SshKeyUsage {
  return isSshKeyUsage(value) ? value : 'signing';
}
