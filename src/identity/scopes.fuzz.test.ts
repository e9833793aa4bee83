import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { anyString, fromPieces } from '../../test/support/fuzz-arbitraries.js';
import { fuzzIt } from '../../test/support/fuzz.js';
import { ValidationError } from '../lib/errors.js';
import { parseScopes, SCOPES, type Scope } from './scopes.js';

const separator = fc.constantFrom(',', ' ', ', ', ',,', '\t', '\n', ' , ');
const scope = fc.constantFrom(...SCOPES);
const input = fc.oneof(
  anyString(),
  fromPieces([...SCOPES, ',', ' ', 'API', 'read', '_', 'sudo ', 'write_']),
  fc.array(fc.oneof(anyString({ maxLength: 20 }), fromPieces([...SCOPES, ',', ' '], 4)), { maxLength: 5 }),
);

/** parseScopes's answer: the scopes, or the ValidationError it threw. */
function outcome(value: string | string[]): Scope[] | ValidationError {
  try {
    return parseScopes(value);
  } catch (err) {
    if (err instanceof ValidationError && err.field === 'scopes') return err;
    throw err;
  }
}

describe('parseScopes (fuzz)', () => {
  fuzzIt('never throws anything but a ValidationError on scopes', 4000, () =>
    fc.property(input, (value) => {
      outcome(value);
    }),
  );

  fuzzIt('reads any list of known scopes, however separated, once each, in canonical order', 4000, () =>
    fc.property(fc.array(fc.tuple(scope, separator), { minLength: 1, maxLength: 12 }), separator, fc.boolean(), (items, lead, asArray) => {
      const text = lead + items.map(([s, sep]) => s + sep).join('');
      const expected = SCOPES.filter((s) => items.some(([i]) => i === s));
      expect(parseScopes(asArray ? text.split(',') : text)).toEqual(expected);
    }),
  );

  fuzzIt('never returns a value outside the closed set, a duplicate, or nothing', 5000, () =>
    fc.property(input, (value) => {
      const result = outcome(value);
      if (result instanceof ValidationError) return;
      expect(result.length).toBeGreaterThan(0);
      expect(new Set(result).size).toBe(result.length);
      for (const s of result) expect(SCOPES).toContain(s);
    }),
  );

  fuzzIt('refuses a list with any unknown word among known ones', 3000, () =>
    fc.property(fc.array(scope, { maxLength: 4 }), fc.stringMatching(/^[A-Za-z_]{1,12}$/).filter((w) => !(SCOPES as readonly string[]).includes(w)), fc.nat(), (known, unknown, at) => {
      const words: string[] = [...known];
      words.splice(at % (words.length + 1), 0, unknown);
      expect(outcome(words.join(','))).toBeInstanceOf(ValidationError);
    }),
  );
});
