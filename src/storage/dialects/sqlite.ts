/**
 * SQLite specifics: timestamps as fixed-width ISO-8601 text (`toISOString`,
 * so string order is time order and milliseconds survive), booleans as 0/1.
 */
import { sql } from 'kysely';
import type { DialectHelper } from './dialect.js';
import { errorProperty } from './dialect.js';

/** Result codes (and their extended forms) of a file that cannot be used now, as opposed to a bad query. */
const OUTAGE_CODE = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|READONLY|CANTOPEN)(_|$)/;
const INDEX_IN_MESSAGE = /UNIQUE constraint failed: (?:index '([^']+)'|(\S+))/;

/** The SQLite dialect helper. */
export const sqliteDialect: DialectHelper = {
  kind: 'sqlite',
  timestampType: 'text',
  booleanType: 'integer',
  autoIncrementId: (column) => column.primaryKey().autoIncrement(),
  toTimestamp: (value) => value.toISOString(),
  fromTimestamp: (value) => (value instanceof Date ? value : new Date(value)),
  // SQLite's default BINARY collation already compares code points.
  caseInsensitiveSortKey: (column) => sql<string>`lower(${sql.ref(column)})`,
  toBoolean: (value) => (value ? 1 : 0),
  fromBoolean: (value) => value === true || value === 1,
  uniqueViolation(error) {
    const code = errorProperty(error, 'code');
    if (code !== 'SQLITE_CONSTRAINT_UNIQUE' && code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') return null;
    const match = INDEX_IN_MESSAGE.exec(errorProperty(error, 'message') ?? '');
    return match?.[1] ?? match?.[2] ?? '';
  },
  isOutage: (error) => OUTAGE_CODE.test(errorProperty(error, 'code') ?? ''),
};
