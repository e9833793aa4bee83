/**
 * Small SQL building blocks shared by the stores, written so SQLite and
 * PostgreSQL give the same answers.
 */
import { sql } from 'kysely';
import type { RawBuilder, SqlBool } from 'kysely';

/** `lower(column) = lower(value)`: case-insensitive equality that can use the lower() indexes. */
export function equalsIgnoreCase(column: string, value: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`lower(${sql.ref(column)}) = lower(${value})`;
}

/**
 * Case-insensitive "contains": `%`, `_` and the escape character in `term`
 * match literally. `!` is the escape because a backslash means different
 * things in SQLite and PostgreSQL string literals.
 */
export function containsIgnoreCase(column: string, term: string): RawBuilder<SqlBool> {
  const pattern = `%${term.replace(/[!%_]/g, (c) => `!${c}`)}%`;
  return sql<SqlBool>`lower(${sql.ref(column)}) like lower(${pattern}) escape '!'`;
}

/** SQLite rejects OFFSET without LIMIT; this stands in for "no limit" on both. */
const NO_LIMIT = Number.MAX_SAFE_INTEGER;

/** Pagination as `{ limit, offset }` values for a query, or null for none. */
export function pageOf(limit: number | undefined, offset: number | undefined): { limit: number; offset: number } | null {
  if (limit === undefined && (offset === undefined || offset === 0)) return null;
  return { limit: limit ?? NO_LIMIT, offset: offset ?? 0 };
}

/** COUNT(*) arrives as a number (SQLite) or a bigint string (PostgreSQL). */
export function toCount(value: string | number | bigint | undefined): number {
  return value === undefined ? 0 : Number(value);
}

/** Parses a JSON array of strings stored in a text column. */
export function parseStringArray(text: string, column: string): string[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    throw new Error(`column ${column} does not hold a JSON array of strings`);
  }
  return value;
}
