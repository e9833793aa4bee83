/** TokenStore on Kysely, for SQLite and PostgreSQL alike. */
import { sql } from 'kysely';
import type { Kysely, SelectQueryBuilder } from 'kysely';
import { isScope } from '../identity/scopes.js';
import { ConflictError } from '../lib/errors.js';
import type { NewPersonalAccessToken, PersonalAccessToken } from '../tokens/token.js';
import type { TokenQuery, TokenSort, TokenStore } from '../tokens/token.store.js';
import type { DialectHelper } from './dialects/dialect.js';
import type { Schema, TokenRow } from './schema.js';
import { decodeRestrictions, encodeRestrictions } from './token-restrictions-column.js';
import { containsIgnoreCase, pageOf, parseStringArray, toCount } from './sql-helpers.js';

type TokenSelect = SelectQueryBuilder<Schema, 'personal_access_tokens', object>;
type SortColumn = 'created_at' | 'expires_at' | 'last_used_at' | 'name';

const SORTS: Record<TokenSort, { column: SortColumn; direction: 'asc' | 'desc' }> = {
  created_asc: { column: 'created_at', direction: 'asc' },
  created_desc: { column: 'created_at', direction: 'desc' },
  expires_asc: { column: 'expires_at', direction: 'asc' },
  expires_desc: { column: 'expires_at', direction: 'desc' },
  last_used_asc: { column: 'last_used_at', direction: 'asc' },
  last_used_desc: { column: 'last_used_at', direction: 'desc' },
  name_asc: { column: 'name', direction: 'asc' },
  name_desc: { column: 'name', direction: 'desc' },
};

/** Tokens in `personal_access_tokens`; lists default to id ascending. */
export class SqlTokenStore implements TokenStore {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly dialect: DialectHelper,
  ) {}

  /** Throws ConflictError when the digest is already stored. */
  async create(token: NewPersonalAccessToken): Promise<PersonalAccessToken> {
    const d = this.dialect;
    try {
      const row = await this.db
        .insertInto('personal_access_tokens')
        .values({
          user_id: token.userId,
          name: token.name,
          description: token.description,
          scopes: JSON.stringify(token.scopes),
          digest: token.digest,
          last_four: token.lastFour,
          expires_at: token.expiresAt,
          revoked: d.toBoolean(false),
          created_at: d.toTimestamp(token.createdAt),
          last_used_at: null,
          last_used_ips: '[]',
          previous_token_id: token.previousTokenId,
          restrictions: encodeRestrictions(token.restrictions),
          parent_token_id: token.parentTokenId,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return this.toToken(row);
    } catch (error) {
      if (d.uniqueViolation(error) !== null) throw new ConflictError('Token digest has already been taken');
      throw error;
    }
  }

  async findById(id: number): Promise<PersonalAccessToken | null> {
    const row = await this.db.selectFrom('personal_access_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? this.toToken(row) : null;
  }

  async findByDigest(digest: string): Promise<PersonalAccessToken | null> {
    const row = await this.db
      .selectFrom('personal_access_tokens')
      .selectAll()
      .where('digest', '=', digest)
      .executeTakeFirst();
    return row ? this.toToken(row) : null;
  }

  /** NULL expiry / last use sorts last in both directions; names ignore case; ties break by id. */
  async list(query: TokenQuery): Promise<PersonalAccessToken[]> {
    let qb = this.filtered(query).selectAll();
    if (query.sort !== undefined) {
      const { column, direction } = SORTS[query.sort];
      // Names sort case-insensitively; byte order would put "Zed" before "alpha".
      const key = column === 'name' ? this.dialect.caseInsensitiveSortKey('name') : sql.ref(column);
      qb = qb.orderBy(key, (ob) => (direction === 'asc' ? ob.asc() : ob.desc()).nullsLast());
    }
    qb = qb.orderBy('id', 'asc');
    const page = pageOf(query.limit, query.offset);
    if (page) qb = qb.limit(page.limit).offset(page.offset);
    return (await qb.execute()).map((row) => this.toToken(row));
  }

  async count(query: TokenQuery): Promise<number> {
    const row = await this.filtered(query)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    return toCount(row?.n);
  }

  async revoke(id: number): Promise<boolean> {
    const result = await this.db
      .updateTable('personal_access_tokens')
      .set({ revoked: this.dialect.toBoolean(true) })
      .where('id', '=', id)
      .where('revoked', '=', this.dialect.toBoolean(false))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** "Active" here means not yet revoked (expired ones included), so callers can evict every cached entry. */
  async revokeAllOfUser(userId: number): Promise<string[]> {
    const rows = await this.db
      .updateTable('personal_access_tokens')
      .set({ revoked: this.dialect.toBoolean(true) })
      .where('user_id', '=', userId)
      .where('revoked', '=', this.dialect.toBoolean(false))
      .returning('digest')
      .execute();
    return rows.map((r) => r.digest);
  }

  async revokeFamily(id: number): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      const family = new Set<number>();
      let frontier = [id];
      // Breadth-first over previous_token_id in both directions, and down to the
      // tokens each member minted (parent_token_id); families are short chains.
      while (frontier.length > 0) {
        const rows = await trx
          .selectFrom('personal_access_tokens')
          .select(['id', 'previous_token_id'])
          .where((eb) => eb.or([eb('id', 'in', frontier), eb('previous_token_id', 'in', frontier), eb('parent_token_id', 'in', frontier)]))
          .execute();
        for (const member of frontier) family.add(member);
        frontier = unvisited(rows.flatMap((row) => [row.id, row.previous_token_id]), family);
      }
      return this.revokeAll(trx, [...family]);
    });
  }

  async revokeDescendants(id: number): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      const found = new Set<number>([id]);
      let frontier = [id];
      let first = true;
      // The tokens `id` minted, then theirs and their rotation successors; never `id`'s own successor.
      while (frontier.length > 0) {
        const parents = frontier;
        const rows = await trx
          .selectFrom('personal_access_tokens')
          .select('id')
          .where((eb) => (first ? eb('parent_token_id', 'in', parents) : eb.or([eb('parent_token_id', 'in', parents), eb('previous_token_id', 'in', parents)])))
          .execute();
        first = false;
        frontier = unvisited(rows.map((r) => r.id), found);
        for (const member of frontier) found.add(member);
      }
      found.delete(id);
      return this.revokeAll(trx, [...found]);
    });
  }

  private async revokeAll(trx: Kysely<Schema>, ids: number[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const revoked = await trx
      .updateTable('personal_access_tokens')
      .set({ revoked: this.dialect.toBoolean(true) })
      .where('id', 'in', ids)
      .where('revoked', '=', this.dialect.toBoolean(false))
      .returning('digest')
      .execute();
    return revoked.map((r) => r.digest);
  }

  async touch(id: number, at: Date, ips: string[]): Promise<void> {
    await this.db
      .updateTable('personal_access_tokens')
      .set({ last_used_at: this.dialect.toTimestamp(at), last_used_ips: JSON.stringify(ips) })
      .where('id', '=', id)
      .execute();
  }

  private filtered(query: TokenQuery): TokenSelect {
    const d = this.dialect;
    let qb: TokenSelect = this.db.selectFrom('personal_access_tokens');
    if (query.userId !== undefined) qb = qb.where('user_id', '=', query.userId);
    if (query.revoked !== undefined) qb = qb.where('revoked', '=', d.toBoolean(query.revoked));
    if (query.state !== undefined) {
      const { active, today } = query.state;
      qb = qb.where((eb) => {
        const notExpired = eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', today)]);
        return active
          ? eb.and([eb('revoked', '=', d.toBoolean(false)), notExpired])
          : eb.or([eb('revoked', '=', d.toBoolean(true)), eb.not(notExpired)]);
      });
    }
    if (query.search !== undefined) qb = qb.where(containsIgnoreCase('name', query.search));
    if (query.createdBefore) qb = qb.where('created_at', '<', d.toTimestamp(query.createdBefore));
    if (query.createdAfter) qb = qb.where('created_at', '>', d.toTimestamp(query.createdAfter));
    if (query.lastUsedBefore) qb = qb.where('last_used_at', '<', d.toTimestamp(query.lastUsedBefore));
    if (query.lastUsedAfter) qb = qb.where('last_used_at', '>', d.toTimestamp(query.lastUsedAfter));
    if (query.expiresBefore !== undefined) qb = qb.where('expires_at', '<', query.expiresBefore);
    if (query.expiresAfter !== undefined) qb = qb.where('expires_at', '>', query.expiresAfter);
    return qb;
  }

  private toToken(row: TokenRow): PersonalAccessToken {
    const d = this.dialect;
    return {
      id: row.id,
      userId: row.user_id,
      name: row.name,
      description: row.description,
      // A scope this version does not know grants nothing, so it is dropped.
      scopes: parseStringArray(row.scopes, 'personal_access_tokens.scopes').filter(isScope),
      digest: row.digest,
      lastFour: row.last_four,
      expiresAt: row.expires_at,
      revoked: d.fromBoolean(row.revoked),
      createdAt: d.fromTimestamp(row.created_at),
      lastUsedAt: row.last_used_at === null ? null : d.fromTimestamp(row.last_used_at),
      lastUsedIps: parseStringArray(row.last_used_ips, 'personal_access_tokens.last_used_ips'),
      previousTokenId: row.previous_token_id,
      restrictions: decodeRestrictions(row.restrictions),
      parentTokenId: row.parent_token_id,
    };
  }
}

/** The ids among `ids` not yet in `seen`, without duplicates. */
function unvisited(ids: ReadonlyArray<number | null>, seen: ReadonlySet<number>): number[] {
  return [...new Set(ids.filter((x): x is number => x !== null && !seen.has(x)))];
}
