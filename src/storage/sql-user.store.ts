/** UserStore on Kysely, for SQLite and PostgreSQL alike. */
import { sql, type Kysely, type SelectQueryBuilder, type Updateable } from 'kysely';
import { ConflictError } from '../lib/errors.js';
import type { NewUser, User, UserPatch } from '../users/user.js';
import type { UserQuery, UserStore } from '../users/user.store.js';
import type { DialectHelper } from './dialects/dialect.js';
import type { Schema, UserRow, UsersTable } from './schema.js';
import { containsIgnoreCase, equalsIgnoreCase, pageOf, parseStringArray, toCount } from './sql-helpers.js';

const CONFLICTS: Record<string, string> = {
  users_username_unique: 'Username has already been taken',
  users_email_unique: 'Email has already been taken',
};

/** Users in the `users` table; lists are ordered by id ascending. */
export class SqlUserStore implements UserStore {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly dialect: DialectHelper,
  ) {}

  async create(user: NewUser): Promise<User> {
    const d = this.dialect;
    const row = await this.guard(() =>
      this.db
        .insertInto('users')
        .values({
          username: user.username,
          email: user.email,
          name: user.name,
          password_hash: user.passwordHash,
          is_admin: d.toBoolean(user.isAdmin),
          state: 'active',
          otp_secret: null,
          two_factor_enabled: d.toBoolean(false),
          otp_backup_codes: '[]',
          created_at: d.toTimestamp(user.createdAt),
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return this.toUser(row);
  }

  async findById(id: number): Promise<User | null> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? this.toUser(row) : null;
  }

  async findByUsername(username: string): Promise<User | null> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where(equalsIgnoreCase('username', username))
      .executeTakeFirst();
    return row ? this.toUser(row) : null;
  }

  /** Prefers a username match when one user's email equals another's username. */
  async findByLogin(login: string): Promise<User | null> {
    return (await this.findByUsername(login)) ?? this.findByEmail(login);
  }

  async list(query: UserQuery): Promise<User[]> {
    let qb = this.filtered(query).selectAll().orderBy('id', 'asc');
    const page = pageOf(query.limit, query.offset);
    if (page) qb = qb.limit(page.limit).offset(page.offset);
    return (await qb.execute()).map((row) => this.toUser(row));
  }

  async count(query: UserQuery): Promise<number> {
    const row = await this.filtered(query)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    return toCount(row?.n);
  }

  async update(id: number, patch: UserPatch, options: { endSessions?: boolean } = {}): Promise<User | null> {
    const values = this.toValues(patch);
    if (Object.keys(values).length === 0 && !options.endSessions) return this.findById(id);
    const set = options.endSessions ? { ...values, session_generation: sql<number>`session_generation + 1` } : values;
    const row = await this.guard(() => this.db.updateTable('users').set(set).where('id', '=', id).returningAll().executeTakeFirst());
    return row ? this.toUser(row) : null;
  }

  /** Compare-and-set on the stored list: a write that lost a race reads the list again. */
  async consumeRecoveryCode(id: number, digest: string): Promise<boolean> {
    for (;;) {
      const row = await this.db.selectFrom('users').select('otp_backup_codes').where('id', '=', id).executeTakeFirst();
      if (!row) return false;
      const codes = parseStringArray(row.otp_backup_codes, 'users.otp_backup_codes');
      if (!codes.includes(digest)) return false;
      const result = await this.db
        .updateTable('users')
        .set({ otp_backup_codes: JSON.stringify(codes.filter((c) => c !== digest)) })
        .where('id', '=', id)
        .where('otp_backup_codes', '=', row.otp_backup_codes)
        .executeTakeFirst();
      if (result.numUpdatedRows > 0n) return true;
    }
  }

  async consumeOtpTimestep(id: number, step: number): Promise<boolean> {
    const result = await this.db
      .updateTable('users')
      .set({ otp_last_timestep: step })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('otp_last_timestep', 'is', null), eb('otp_last_timestep', '<', step)]))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async replaceOtpSecret(id: number, expected: string, next: string): Promise<boolean> {
    const result = await this.db
      .updateTable('users')
      .set({ otp_secret: next })
      .where('id', '=', id)
      .where('otp_secret', '=', expected)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Tokens, memberships and sessions go with the user (foreign-key cascades). */
  async delete(id: number): Promise<boolean> {
    const result = await this.db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  private async findByEmail(email: string): Promise<User | null> {
    const row = await this.db.selectFrom('users').selectAll().where(equalsIgnoreCase('email', email)).executeTakeFirst();
    return row ? this.toUser(row) : null;
  }

  private filtered(query: UserQuery): SelectQueryBuilder<Schema, 'users', object> {
    let qb = this.db.selectFrom('users');
    if (query.search !== undefined) {
      const term = query.search;
      const matches = [containsIgnoreCase('username', term), containsIgnoreCase('name', term)];
      if (query.emailMatch !== 'none') matches.push(containsIgnoreCase('email', term));
      qb = qb.where((eb) => eb.or(matches));
    }
    if (query.username !== undefined) qb = qb.where(equalsIgnoreCase('username', query.username));
    if (query.state !== undefined) qb = qb.where('state', '=', query.state);
    if (query.isAdmin !== undefined) qb = qb.where('is_admin', '=', this.dialect.toBoolean(query.isAdmin));
    return qb;
  }

  private toValues(patch: UserPatch): Updateable<UsersTable> {
    const d = this.dialect;
    const values: Updateable<UsersTable> = {};
    if (patch.email !== undefined) values.email = patch.email;
    if (patch.name !== undefined) values.name = patch.name;
    if (patch.passwordHash !== undefined) values.password_hash = patch.passwordHash;
    if (patch.isAdmin !== undefined) values.is_admin = d.toBoolean(patch.isAdmin);
    if (patch.state !== undefined) values.state = patch.state;
    if (patch.sealedOtpSecret !== undefined) values.otp_secret = patch.sealedOtpSecret;
    if (patch.twoFactorEnabled !== undefined) values.two_factor_enabled = d.toBoolean(patch.twoFactorEnabled);
    if (patch.otpBackupCodes !== undefined) values.otp_backup_codes = JSON.stringify(patch.otpBackupCodes);
    return values;
  }

  /** Runs a write, turning a unique violation into the matching ConflictError. */
  private async guard<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      const index = this.dialect.uniqueViolation(error);
      if (index === null) throw error;
      throw new ConflictError(CONFLICTS[index] ?? 'User has already been taken');
    }
  }

  private toUser(row: UserRow): User {
    const d = this.dialect;
    return {
      id: row.id,
      username: row.username,
      email: row.email,
      name: row.name,
      passwordHash: row.password_hash,
      isAdmin: d.fromBoolean(row.is_admin),
      // Fail closed: a state this version does not know cannot sign in.
      state: row.state === 'active' ? 'active' : 'blocked',
      sealedOtpSecret: row.otp_secret,
      twoFactorEnabled: d.fromBoolean(row.two_factor_enabled),
      otpBackupCodes: parseStringArray(row.otp_backup_codes, 'users.otp_backup_codes'),
      createdAt: d.fromTimestamp(row.created_at),
      sessionGeneration: row.session_generation,
    };
  }
}
