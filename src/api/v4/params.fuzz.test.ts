import type { Request } from 'express';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { z } from 'zod';
import { anyString, fromPieces } from '../../../test/support/fuzz-arbitraries.js';
import { fuzzIt } from '../../../test/support/fuzz.js';
import { isIsoDate } from '../../lib/dates.js';
import { NotFoundError } from '../../lib/errors.js';
import { bool, dateTime, idParam, int, isoDate, list, MAX_ID, ParamsError, parseParams, requestParams, text } from './params.js';
import { projectRef } from './project-ref.js';

const schema = z.object({
  name: text(10),
  count: int().optional(),
  id: int().pipe(z.number().min(1)).optional(),
  flag: bool().optional(),
  on: isoDate().optional(),
  at: dateTime().optional(),
  kind: z.enum(['a', 'b']).optional(),
  scopes: list().optional(),
});

/** Values as they arrive: query strings, arrays of them, and JSON bodies' values. */
const value: fc.Arbitrary<unknown> = fc.oneof(
  anyString({ maxLength: 30, overlong: 3000 }),
  fromPieces(['1', '0', '-', '2024', '-02-', '30', 'T', '12:00', 'Z', '+01:00', 'true', ' ', 'a', 'b', ','], 6),
  fc.array(anyString({ maxLength: 10 }), { maxLength: 3 }),
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 2 ** 53, MAX_ID + 1, null, undefined),
);
const input = fc.dictionary(fc.oneof(fc.constantFrom('name', 'count', 'id', 'flag', 'on', 'at', 'kind', 'scopes', 'scopes[]', '__proto__', 'constructor'), anyString({ maxLength: 8 })), value, { maxKeys: 6 });

/** Runs `fn`, returning the typed error it may throw. */
function outcome<T, E extends Error>(fn: () => T, allowed: new (...args: never[]) => E): T | E {
  try {
    return fn();
  } catch (err) {
    if (err instanceof allowed) return err;
    throw err;
  }
}

const date = fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true });

describe('API parameters (fuzz)', () => {
  fuzzIt('parseParams and requestParams never throw anything but ParamsError, whatever the query and body', 4000, () =>
    fc.property(input, input, (query, body) => {
      const params = requestParams({ query, body } as unknown as Request);
      outcome(() => parseParams(schema, params), ParamsError);
    }),
  );

  fuzzIt('idParam takes exactly the decimal ids up to MAX_ID, and nothing else', 4000, () =>
    fc.property(fc.oneof(fc.integer({ min: 0, max: MAX_ID }).map(String), fc.nat().map((n) => String(MAX_ID + 1 + n)), anyString({ maxLength: 12 })), (raw) => {
      const result = outcome(() => idParam(raw), ParamsError);
      if (/^\d{1,10}$/.test(raw) && Number(raw) <= MAX_ID) expect(result).toBe(Number(raw));
      else expect(result).toBeInstanceOf(ParamsError);
    }),
  );

  fuzzIt('int() reads every integer in range, as number or decimal text, and refuses the rest', 4000, () =>
    fc.property(fc.integer({ min: -MAX_ID, max: MAX_ID }), fc.constantFrom('', ' ', '\t'), fc.boolean(), (n, pad, asText) => {
      expect(int().parse(asText ? `${pad}${n}${pad}` : n)).toBe(n);
      expect(int().safeParse(asText ? `${n}.5` : n + 0.5).success).toBe(false);
    }),
  );

  fuzzIt('bool() accepts only the documented spellings', 3000, () =>
    fc.property(fc.oneof(value, fc.constantFrom('true', 'false', 'True', 'FALSE', '1', '0', 't', 'f', 'yes', 'no', 1, 0, true, false)), (v) => {
      const parsed = bool().safeParse(v);
      if (!parsed.success) return;
      expect([true, 'true', 'True', 'TRUE', '1', 1, 't', 'yes'].includes(v as never)).toBe(parsed.data);
      expect([true, false, 'true', 'false', 'True', 'False', 'TRUE', 'FALSE', '1', '0', 1, 0, 't', 'f', 'yes', 'no']).toContain(v);
    }),
  );

  fuzzIt('isoDate() and dateTime() read every real date, and never a day that does not exist', 4000, () =>
    fc.property(
      fc.oneof(
        date.map((d) => d.toISOString().slice(0, 10)),
        date.map((d) => d.toISOString()),
        fc.tuple(fc.integer({ min: 1970, max: 2100 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.constantFrom('', 'T00:00:00Z', 'T12:30', ' 23:59:59+02:00')).map(
          ([y, m, d, time]) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}${time}`,
        ),
      ),
      (text) => {
        const day = text.slice(0, 10);
        const asDate = isoDate().safeParse(text);
        const asDateTime = dateTime().safeParse(text);
        if (text.length === 10) expect(asDate.success).toBe(isIsoDate(text));
        if (asDateTime.success) {
          expect(isIsoDate(day)).toBe(true);
          if (text.length === 10) expect(asDateTime.data.toISOString().slice(0, 10)).toBe(day);
        } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(text)) {
          throw new Error(`dateTime() refused ${text}`);
        }
      },
    ),
  );

  fuzzIt('projectRef answers an id, a namespace/project path, or NotFoundError; nothing else', 4000, () =>
    fc.property(fc.oneof(anyString(), fc.integer({ min: 0, max: MAX_ID }).map(String), fromPieces(['alice', '/', 'demo', '1', '0', '%2F', '..', '\0'], 5)), (raw) => {
      const ref = outcome(() => projectRef(raw), NotFoundError);
      if (ref instanceof NotFoundError) return;
      if (typeof ref === 'number') expect(String(ref)).toBe(raw.replace(/^0+(?=\d)/, ''));
      else expect(ref).toContain('/');
    }),
  );
});
