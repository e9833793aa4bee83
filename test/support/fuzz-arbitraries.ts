/**
 * Generators of hostile input shared by the fuzz suites: any code point,
 * the characters parsers trip over, text assembled from a grammar's own
 * pieces, overlong text, and single-character mutations of valid values.
 */
import fc from 'fast-check';

/**
 * Characters that have broken parsers: NUL and other controls, CR/LF, DEL,
 * C1 controls, quotes and shell syntax, separators and their percent- and
 * look-alike forms, U+2028/2029 (line terminators to a regex `.`), BOM,
 * bidi overrides, a combining mark, U+FFFD, and lone surrogates.
 */
export const TRICKY_CHARS: readonly string[] = [
  '\0', '\x01', '\t', '\n', '\v', '\f', '\r', '\x1b', '\x7f', '\x85', '\xa0', '\xff',
  ' ', '"', "'", '`', '\\', '$', ';', '&', '|', '<', '>', '(', ')', '{', '}', '*', '?', '[', ']', '!', '#', '~',
  '/', ':', '=', ',', '.', '%', '+', '@', '-', '_',
  '%00', '%2f', '%2F', '%5c', '%2e', '%25', '%0a', '%zz', '%',
  '\u2028', '\u2029', '\ufeff', '\u202e', '\u0301', '\ufffd', '\uff0f', '\u2215', '\ud800', '\udfff', '\u{1f600}',
];

/** One tricky character (or percent sequence). */
export const trickyChar: fc.Arbitrary<string> = fc.constantFrom(...TRICKY_CHARS);

/**
 * Any code point, lone surrogates included (fast-check's `'binary'` unit
 * excludes them, and builds a table of all 1.1M code points on first use).
 */
export const anyCodePoint: fc.Arbitrary<string> = fc.integer({ min: 0, max: 0x10ffff }).map((n) => String.fromCodePoint(n));

/** One printable ASCII character. */
export const asciiChar: fc.Arbitrary<string> = fc.string({ minLength: 1, maxLength: 1 });

/**
 * Any string: every code point, raw bytes as latin1, tricky characters,
 * a mix of those with ASCII letters, or one character repeated to `overlong`.
 */
export function anyString(options: { maxLength?: number; overlong?: number } = {}): fc.Arbitrary<string> {
  const maxLength = options.maxLength ?? 64;
  const overlong = options.overlong ?? 20_000;
  return fc.oneof(
    { arbitrary: fc.string({ unit: anyCodePoint, maxLength }), weight: 3 },
    { arbitrary: fc.string({ unit: 'binary-ascii', maxLength }), weight: 3 },
    { arbitrary: fc.string({ unit: fc.oneof(trickyChar, asciiChar), maxLength }), weight: 4 },
    { arbitrary: fc.tuple(fc.oneof(trickyChar, asciiChar), fc.integer({ min: maxLength, max: overlong })).map(([c, n]) => c.repeat(n)), weight: 1 },
  );
}

/**
 * Strings assembled from a grammar's own `pieces` (keywords, separators,
 * valid values) and tricky characters: close enough to valid input to get
 * past the first checks of a parser.
 */
export function fromPieces(pieces: readonly string[], maxPieces = 12): fc.Arbitrary<string> {
  const piece = fc.oneof({ arbitrary: fc.constantFrom(...pieces), weight: 3 }, { arbitrary: trickyChar, weight: 1 }, { arbitrary: asciiChar, weight: 1 });
  return fc.array(piece, { maxLength: maxPieces }).map((parts) => parts.join(''));
}

/** A single edit of `value`: a character replaced, inserted or deleted at a random position. */
export function mutated(value: fc.Arbitrary<string>, replacement: fc.Arbitrary<string> = fc.oneof(trickyChar, asciiChar)): fc.Arbitrary<string> {
  return fc
    .tuple(value, fc.nat(), fc.constantFrom('replace', 'insert', 'delete'), replacement)
    .map(([v, at, edit, c]) => {
      const i = v.length === 0 ? 0 : at % v.length;
      if (edit === 'insert') return v.slice(0, i) + c + v.slice(i);
      if (edit === 'delete') return v.slice(0, i) + v.slice(i + 1);
      return v.slice(0, i) + c + v.slice(i + 1);
    });
}

/** Any bytes, up to `maxLength`. */
export function anyBytes(maxLength = 256): fc.Arbitrary<Buffer> {
  return fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));
}
