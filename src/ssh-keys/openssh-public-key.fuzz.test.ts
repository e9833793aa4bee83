import fc from 'fast-check';
import ssh2 from 'ssh2';
import { describe, expect } from 'vitest';
import { anyBytes, anyString, fromPieces, mutated } from '../../test/support/fuzz-arbitraries.js';
import { fuzzIt } from '../../test/support/fuzz.js';
import { ValidationError } from '../lib/errors.js';
import { wellFormed } from '../ssh/host-keys.js';
import { ACCEPTED_KEY_TYPES, fingerprintOf, parsePublicKey, type PublicKey } from './openssh-public-key.js';

/** Real keys of every accepted type, made once (RSA generation is slow). */
const KEYS = (
  [
    ['ed25519', {}],
    ['ed25519', {}],
    ['ecdsa', { bits: 256 }],
    ['ecdsa', { bits: 384 }],
    ['ecdsa', { bits: 521 }],
    ['rsa', { bits: 2048 }],
  ] as const
).map(([type, opts]) => {
  const [keyType, data] = wellFormed(() => ssh2.utils.generateKeyPairSync(type as 'rsa', opts as { bits: number })).public.split(' ') as [string, string];
  return { keyType, data, blob: Buffer.from(data, 'base64') };
});
const key = fc.constantFrom(...KEYS);

/** RFC 4251 `string`: a uint32 length, then the bytes. */
const wireString = (bytes: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, 0].map((_, i) => (bytes.length >>> (24 - 8 * i)) & 0xff)), bytes]);

/** parsePublicKey's answer, or the ValidationError it threw. */
function outcome(input: string): PublicKey | ValidationError {
  try {
    return parsePublicKey(input);
  } catch (err) {
    if (err instanceof ValidationError && err.field === 'key') return err;
    throw err;
  }
}

const comment = fc.string({ unit: fc.constantFrom('a', 'b', '@', '.', ' ', '-', 'é', '\u{1f600}'), maxLength: 20 }).map((c) => c.trim().replace(/ +/g, ' '));
const blank = fc.constantFrom(' ', '  ', '\t', ' \t');

/** Blobs that look like keys inside: a known type name, then fields of any length and content. */
const structuredBlob = fc
  .tuple(fc.constantFrom(...ACCEPTED_KEY_TYPES), fc.array(fc.oneof(anyBytes(80), fc.constantFrom('nistp256', 'nistp384', 'nistp521').map((n) => Buffer.from(n))), { maxLength: 3 }), fc.boolean())
  .map(([type, fields, truncate]) => {
    const blob = Buffer.concat([wireString(Buffer.from(type)), ...fields.map(wireString)]);
    return { type, data: (truncate ? blob.subarray(0, blob.length - 1) : blob).toString('base64') };
  });

describe('parsePublicKey (fuzz)', () => {
  fuzzIt('never throws anything but a ValidationError on key', 3000, () =>
    fc.property(
      fc.oneof(
        anyString({ overlong: 8000 }),
        fromPieces(['ssh-ed25519 ', 'ssh-rsa ', 'ecdsa-sha2-nistp256 ', 'AAAA', 'C3NzaC1lZDI1NTE5', '=', ' ', '\n'], 10),
        structuredBlob.map(({ type, data }) => `${type} ${data}`),
        key.chain((k) => mutated(fc.constant(`${k.keyType} ${k.data}`))),
      ),
      (input) => {
        outcome(input);
      },
    ),
  );

  fuzzIt('reads every real key with any comment, spacing and line wrapping, blob and fingerprint exact', 2000, () =>
    fc.property(key, comment, blank, fc.array(fc.nat(), { maxLength: 3 }), fc.constantFrom('', '\n', '\r\n', ' '), (k, c, space, wraps, end) => {
      let data = k.data;
      for (const at of wraps) {
        const i = at % data.length;
        data = `${data.slice(0, i)}\r\n${data.slice(i)}`;
      }
      const parsed = parsePublicKey(`${k.keyType}${space}${data}${c ? `${space}${c}` : ''}${end}`);
      expect(parsed.type).toBe(k.keyType);
      expect(parsed.blob.equals(k.blob)).toBe(true);
      expect(parsed.fingerprint).toBe(fingerprintOf(k.blob));
      expect(parsed.comment).toBe(c);
    }),
  );

  fuzzIt('refuses a real key cut short or with bytes appended, and under another type name', 2000, () =>
    fc.property(key, fc.nat(), anyBytes(8).filter((b) => b.length > 0), fc.constantFrom(...ACCEPTED_KEY_TYPES), (k, at, extra, other) => {
      expect(outcome(`${k.keyType} ${k.blob.subarray(0, at % k.blob.length).toString('base64')}`)).toBeInstanceOf(ValidationError);
      expect(outcome(`${k.keyType} ${Buffer.concat([k.blob, extra]).toString('base64')}`)).toBeInstanceOf(ValidationError);
      if (other !== k.keyType) expect(outcome(`${other} ${k.data}`)).toBeInstanceOf(ValidationError);
    }),
  );

  fuzzIt('never accepts a malformed value: accepted keys are of an accepted type, their blob names it, the text is one line', 3000, () =>
    fc.property(fc.oneof(structuredBlob.map(({ type, data }) => `${type} ${data}`), key.chain((k) => mutated(fc.constant(`${k.keyType} ${k.data} c`)))), (input) => {
      const result = outcome(input);
      if (result instanceof ValidationError) return;
      expect(ACCEPTED_KEY_TYPES).toContain(result.type);
      expect(result.blob.subarray(4, 4 + result.type.length).toString('latin1')).toBe(result.type);
      expect(result.text).not.toMatch(/[\r\n]/);
      expect(result.text.startsWith(`${result.type} `)).toBe(true);
    }),
  );
});
