/**
 * PostgreSQL specifics: `timestamptz` (node-postgres returns a Date, with
 * millisecond precision), native booleans, identity ids.
 */
import { sql } from 'kysely';
import type { DialectHelper } from './dialect.js';
import { errorProperty } from './dialect.js';

/** SQLSTATE of unique_violation. */
const UNIQUE_VIOLATION = '23505';
/** Socket failures reaching the server. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/**
 * SQLSTATE classes 08 (connection exception) and 53 (insufficient
 * resources, e.g. too many connections), and 57P01–57P03 (the server is
 * shutting down, crashed, or not yet accepting connections).
 */
const OUTAGE_STATE = /^(08|53)...$|^57P0[123]$/;
/** What node-postgres says when a connection dies or cannot be made in time. */
const OUTAGE_MESSAGE =
  /^(Connection terminated|timeout exceeded when trying to connect|timeout expired|Query read timeout|Client has encountered a connection error|Client was closed)/;

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
  isOutage(error) {
    const code = errorProperty(error, 'code') ?? '';
    return NETWORK_CODES.has(code) || OUTAGE_STATE.test(code) || OUTAGE_MESSAGE.test(errorProperty(error, 'message') ?? '');
  },
};
