/**
 * PostgreSQL specifics: `timestamptz` (node-postgres returns a Date, with
 * millisecond precision), native booleans, identity ids.
 */
import { sql } from 'kysely';
import type { DialectHelper } from './dialect.js';
import { errorProperty } from './dialect.js';

/** SQLSTATE of unique_violation. */
const UNIQUE_VIOLATION = '23505';

/** The PostgreSQL dialect helper. */
export const postgresDialect: DialectHelper = {
  kind: 'postgres',
  timestampType: 'timestamptz',
  booleanType: 'boolean',
  autoIncrementId: (column) => column.primaryKey().generatedByDefaultAsIdentity(),
  toTimestamp: (value) => value,
  fromTimestamp: (value) => (value instanceof Date ? value : new Date(value)),
  caseInsensitiveSortKey: (column) => sql<string>`lower(${sql.ref(column)}) collate "C"`,
  toBoolean: (value) => value,
  fromBoolean: (value) => value === true || value === 1,
  uniqueViolation(error) {
    if (errorProperty(error, 'code') !== UNIQUE_VIOLATION) return null;
    return errorProperty(error, 'constraint') ?? '';
  },
};
