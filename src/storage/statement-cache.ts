/**
 * Prepared statements reused across queries on SQLite. Kysely's SQLite
 * driver prepares every query afresh, and preparing (parsing and planning
 * the SQL) costs more than running the point lookups gitgate makes on every
 * request. better-sqlite3 runs one statement at a time and re-prepares by
 * itself after a schema change, so a statement can serve every later query
 * with the same text.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';
import { LRUCache } from 'lru-cache';

/**
 * `database` as Kysely's SqliteDialect wants it, with the last `max`
 * distinct statements kept prepared.
 *
 * @example new SqliteDialect({ database: withStatementCache(new BetterSqlite3(path)) })
 */
export function withStatementCache(database: BetterSqlite3.Database, max = 256): SqliteDatabase {
  const statements = new LRUCache<string, SqliteStatement>({ max });
  return {
    close: () => database.close(),
    prepare(sql: string): SqliteStatement {
      let statement = statements.get(sql);
      if (!statement) {
        statement = database.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}
