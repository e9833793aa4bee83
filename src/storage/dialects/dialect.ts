/**
 * What differs between SQLite and PostgreSQL, in one small interface (after
 * Directus' `database/helpers/<kind>/dialects`). Migrations and stores are
 * written once against it; nothing else in `storage/` may branch on the kind.
 */
import type { ColumnDefinitionBuilder, RawBuilder } from 'kysely';
import type { DbBoolean, DbTimestamp } from '../schema.js';

/** The database engines gitgate runs on. */
export type DatabaseKind = 'sqlite' | 'postgres';

/** Column types and value conversions for one dialect. */
export interface DialectHelper {
  readonly kind: DatabaseKind;
  /** Column type of timestamps (`text` holding ISO-8601, or `timestamptz`). */
  readonly timestampType: 'text' | 'timestamptz';
  /** Column type of booleans (`integer` 0/1, or `boolean`). */
  readonly booleanType: 'integer' | 'boolean';
  /** Makes an `integer` column an auto-incrementing primary key. */
  autoIncrementId(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /** A Date as the database stores it; round-trips to the millisecond. */
  toTimestamp(value: Date): DbTimestamp;
  /** A stored timestamp as a Date. */
  fromTimestamp(value: DbTimestamp): Date;
  /**
   * ORDER BY key for text ignoring case, in code-point order on both engines
   * (PostgreSQL would otherwise use the database's locale collation).
   */
  caseInsensitiveSortKey(column: string): RawBuilder<string>;
  toBoolean(value: boolean): DbBoolean;
  fromBoolean(value: DbBoolean): boolean;
  /**
   * When `error` is a unique-constraint violation, the name of the violated
   * index (or `table.column` for SQLite column constraints); otherwise null.
   */
  uniqueViolation(error: unknown): string | null;
  /**
   * True when `error` means the database cannot be reached or used right
   * now (connection refused or lost, server shutting down, file busy or
   * read-only), rather than that the query was wrong.
   */
  isOutage(error: unknown): boolean;
}

/** Reads a string property of an unknown error object without `any`. */
export function errorProperty(error: unknown, key: string): string | undefined {
  if (typeof error !== 'object' || error === null || !(key in error)) return undefined;
  const value: unknown = (error as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}
