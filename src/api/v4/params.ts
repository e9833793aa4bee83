/**
 * Request parameters as GitLab (Grape) takes them: query string and body
 * (JSON or form-encoded) merged into one set, `key[]` meaning an array,
 * values coerced from strings, and failures worded like Grape's
 * ("name is missing", "page is invalid", "state does not have a valid value").
 */
import type { Request } from 'express';
import { z } from 'zod';
import { isIsoDate } from '../../lib/dates.js';
import { ValidationError } from '../../lib/errors.js';

/** Request parameters that fail validation; answered in Grape's `{"error": …}` shape. */
export class ParamsError extends ValidationError {}

/** Largest id the stores hold (32-bit integer columns). */
export const MAX_ID = 2_147_483_647;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `scopes[]` → `scopes` (always an array); other keys unchanged. */
function normalize(source: unknown): Record<string, unknown> {
  if (!isRecord(source)) return {};
  // No prototype: a `__proto__` key in a JSON body stays a plain (ignored) key.
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of Object.entries(source)) {
    if (key.endsWith('[]')) out[key.slice(0, -2)] = Array.isArray(value) ? value : [value];
    else out[key] = value;
  }
  return out;
}

/** Query and body parameters merged, the body winning (GitLab's `params`). */
export function requestParams(req: Request): Record<string, unknown> {
  return { ...normalize(req.query), ...normalize(req.body) };
}

/** The body's parameters alone (JSON or form-encoded), for routes that take secrets. */
export function bodyParams(req: Request): Record<string, unknown> {
  return normalize(req.body);
}

function describe(issue: z.core.$ZodIssue, input: Record<string, unknown>): { field: string; text: string } {
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : 'params';
  if (issue.code === 'custom' && issue.message !== 'Invalid input') return { field, text: issue.message };
  const raw = input[String(issue.path[0])];
  if (raw === undefined || raw === null || raw === '') return { field, text: `${field} is missing` };
  if (issue.code === 'invalid_value') return { field, text: `${field} does not have a valid value` };
  return { field, text: `${field} is invalid` };
}

/**
 * Validates `input` against `schema`; on failure throws one ValidationError
 * naming the first offending field and listing every problem, like Grape.
 */
export function parseParams<S extends z.ZodType>(schema: S, input: Record<string, unknown>): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => describe(issue, input));
  const texts = [...new Set(problems.map((p) => p.text))];
  throw new ParamsError(problems[0]?.field ?? 'params', texts.join(', '));
}

/** A numeric path segment such as `:id`; anything else is `id is invalid`. */
export function idParam(value: string | undefined, field = 'id'): number {
  if (value === undefined || !/^\d{1,10}$/.test(value) || Number(value) > MAX_ID) {
    throw new ParamsError(field, `${field} is invalid`);
  }
  return Number(value);
}

/** Integers, given as numbers or decimal strings. */
export function int(): z.ZodType<number, unknown> {
  return z.preprocess(
    (v) => (typeof v === 'string' && /^-?\d{1,10}$/.test(v.trim()) ? Number(v) : v),
    z.number().int().min(-MAX_ID).max(MAX_ID),
  );
}

/** A positive id. */
export function id(): z.ZodType<number, unknown> {
  return int().pipe(z.number().min(1));
}

const TRUE = new Set<unknown>([true, 'true', 'True', 'TRUE', '1', 1, 't', 'yes']);
const FALSE = new Set<unknown>([false, 'false', 'False', 'FALSE', '0', 0, 'f', 'no']);

/** Booleans as Grape reads them: `true`/`false`, `1`/`0`, in JSON or as strings. */
export function bool(): z.ZodType<boolean, unknown> {
  return z.preprocess((v) => (TRUE.has(v) ? true : FALSE.has(v) ? false : v), z.boolean());
}

/** Free text; JSON numbers are taken as their decimal text. */
export function text(max = 1024): z.ZodType<string, unknown> {
  return z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string().max(max));
}

/** A calendar date, `YYYY-MM-DD`. */
export function isoDate(): z.ZodType<string, unknown> {
  return z.string().refine(isIsoDate).meta({ format: 'date' });
}

/**
 * A date or an ISO 8601 date-time (`2024-01-31`, `2024-01-31T12:00:00Z`)
 * on a day that exists: `2024-02-30` is invalid, not 1 March.
 */
export function dateTime(): z.ZodType<Date, unknown> {
  return z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/)
    // V8's Date rolls 30 February over into March instead of refusing it.
    .refine((v) => isIsoDate(v.slice(0, 10)))
    .transform((v) => new Date(v.length === 10 ? `${v}T00:00:00Z` : v))
    .refine((d) => !Number.isNaN(d.getTime()))
    .meta({ format: 'date-time', description: 'An ISO 8601 date-time, or a date meaning its midnight UTC' });
}

/**
 * Like `list()`, with numbers allowed in an array (project ids beside
 * paths) and up to `maxEntries` entries however the list is sent; read it
 * with `listEntries`.
 */
export function valueList(maxEntries: number): z.ZodType<Array<string | number> | string, unknown> {
  return z.union([
    z.array(z.union([z.string().max(255), z.number().int()])).max(maxEntries),
    z.string().max(maxEntries * 256).meta({ description: 'comma- or space-separated' }),
  ]);
}

/** The entries of a `list()` or `valueList()` value as trimmed, non-empty strings. */
export function listEntries(value: ReadonlyArray<string | number> | string): string[] {
  const parts = typeof value === 'string' ? value.split(/[\s,]+/) : value.map(String);
  return parts.map((s) => s.trim()).filter((s) => s.length > 0);
}

/** A list sent as an array, as `key[]=…` pairs, or as one comma/space separated string. */
export function list(): z.ZodType<string[] | string, unknown> {
  return z.union([
    z.array(z.string().max(255)).max(50),
    z.string().max(2048).meta({ description: 'comma- or space-separated' }),
  ]);
}
