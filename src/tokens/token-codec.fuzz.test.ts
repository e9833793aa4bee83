import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { anyString, asciiChar, fromPieces, mutated, trickyChar } from '../../test/support/fuzz-arbitraries.js';
import { fuzzIt } from '../../test/support/fuzz.js';
import { BASE62_ALPHABET, encodeBase62 } from '../lib/base62.js';
import { TokenCodec } from './token-codec.js';

const codecs = ['glpat-', 'gg-', 'abcdefghijklmno9-'].map((prefix) => new TokenCodec(prefix, Buffer.alloc(32, 7)));
const codec = fc.constantFrom(...codecs);
const base62Char = fc.constantFrom(...BASE62_ALPHABET);
const body = fc.string({ unit: base62Char, minLength: 32, maxLength: 32 });

/** The format as documented, written independently of the codec: prefix, 32 base62, base62 CRC32 of both in 6. */
function oracleToken(prefix: string, randomBody: string): string {
  const head = prefix + randomBody;
  let n = crc32(head);
  let checksum = '';
  for (let i = 0; i < 6; i++) {
    checksum = BASE62_ALPHABET[n % 62] + checksum;
    n = Math.floor(n / 62);
  }
  return head + checksum;
}

const wellFormed = fc.tuple(codec, body).map(([c, b]) => ({ codec: c, token: oracleToken(c.prefix, b) }));

describe('TokenCodec (fuzz)', () => {
  fuzzIt('isWellFormed never throws and answers a boolean', 3000, () =>
    fc.property(codec, fc.oneof(anyString(), fromPieces(['glpat-', 'gg-', ...BASE62_ALPHABET.slice(0, 8)], 48)), (c, candidate) => {
      expect(typeof c.isWellFormed(candidate)).toBe('boolean');
    }),
  );

  fuzzIt('accepts every token of the documented format, and what generate() makes', 3000, () =>
    fc.property(wellFormed, ({ codec: c, token }) => {
      expect(c.isWellFormed(token)).toBe(true);
      expect(c.isWellFormed(c.generate())).toBe(true);
    }),
  );

  fuzzIt('refuses every single-character change, transposition, insertion or deletion', 5000, () =>
    fc.property(
      wellFormed.chain(({ codec: c, token }) =>
        fc.tuple(
          fc.constant(c),
          fc.constant(token),
          fc.oneof(
            mutated(fc.constant(token), fc.oneof(base62Char, trickyChar, asciiChar)),
            fc.nat(token.length - 2).map((i) => token.slice(0, i) + token[i + 1] + token[i] + token.slice(i + 2)),
          ),
        ),
      ),
      ([c, token, changed]) => {
        fc.pre(changed !== token);
        expect(c.isWellFormed(changed)).toBe(false);
      },
    ),
  );

  fuzzIt('never accepts a malformed value: anything accepted has the prefix, 38 base62 characters and the checksum', 3000, () =>
    fc.property(codec, fc.oneof(anyString({ maxLength: 60 }), wellFormed.map((w) => w.token), mutated(wellFormed.map((w) => w.token))), (c, candidate) => {
      if (!c.isWellFormed(candidate)) return;
      expect(candidate.startsWith(c.prefix)).toBe(true);
      expect(candidate.slice(c.prefix.length)).toMatch(/^[0-9A-Za-z]{38}$/);
      expect(oracleToken(c.prefix, candidate.slice(c.prefix.length, -6))).toBe(candidate);
    }),
  );

  fuzzIt('encodeBase62 writes every CRC32 in exactly 6 characters, and distinct values distinctly', 3000, () =>
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), (a, b) => {
      expect(encodeBase62(a, 6)).toMatch(/^[0-9A-Za-z]{6}$/);
      expect(encodeBase62(a, 6) === encodeBase62(b, 6)).toBe(a === b);
    }),
  );
});
