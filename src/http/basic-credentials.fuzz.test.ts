import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { anyCodePoint, anyString, asciiChar, fromPieces, trickyChar } from '../../test/support/fuzz-arbitraries.js';
import { fuzzIt } from '../../test/support/fuzz.js';
import { parseBasicCredentials } from './basic-credentials.js';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
// RFC 7617 §2: neither part may contain a control character (RFC 5234 CTL).
const CTL = /[\x00-\x1f\x7f]/;
const LONE_SURROGATE = /\p{Cs}/u;

/** Text without controls; the username also without `:`. */
const credentialText = (noColon: boolean): fc.Arbitrary<string> =>
  fc
    .string({ unit: fc.oneof(anyCodePoint, trickyChar), maxLength: 40 })
    .filter((s) => !CTL.test(s) && !(noColon && s.includes(':')) && !LONE_SURROGATE.test(s));

const scheme = fc.constantFrom('Basic', 'basic', 'BASIC', 'bAsIc');
const spaces = fc.integer({ min: 1, max: 3 }).map((n) => ' '.repeat(n));

describe('parseBasicCredentials (fuzz)', () => {
  fuzzIt('never throws; returns null or two strings', 3000, () =>
    fc.property(fc.oneof(anyString(), fromPieces(['Basic ', 'basic ', 'Bearer ', b64('a:b'), b64(':'), '=', '==', ':', 'YTpi'])), (header) => {
      const parsed = parseBasicCredentials(header);
      expect(parsed === null || (typeof parsed.username === 'string' && typeof parsed.password === 'string')).toBe(true);
    }),
  );

  fuzzIt('decodes any well-formed header exactly', 3000, () =>
    fc.property(scheme, spaces, credentialText(true), credentialText(false), (s, sp, username, password) => {
      fc.pre(username !== '' || password !== '');
      expect(parseBasicCredentials(`${s}${sp}${b64(`${username}:${password}`)}`)).toEqual({ username, password });
    }),
  );

  fuzzIt('never accepts a malformed value: no colon in the username, no control characters, not both empty', 3000, () =>
    fc.property(fc.oneof(anyString(), fc.string({ unit: fc.oneof(trickyChar, asciiChar), maxLength: 30 }).map((s) => `Basic ${b64(s)}`)), (header) => {
      const parsed = parseBasicCredentials(header);
      if (parsed === null) return;
      expect(parsed.username).not.toContain(':');
      expect(parsed.username !== '' || parsed.password !== '').toBe(true);
      expect(CTL.test(parsed.username) || CTL.test(parsed.password)).toBe(false);
    }),
  );

  fuzzIt('refuses other schemes and non-base64 credentials', 2000, () =>
    fc.property(
      fc.constantFrom('Bearer', 'Digest', 'Basicx', 'Basi', 'Negotiate', 'Token'),
      credentialText(true),
      credentialText(false),
      (other, username, password) => {
        expect(parseBasicCredentials(`${other} ${b64(`${username}:${password}`)}`)).toBeNull();
      },
    ),
  );
});
