import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { anyString, mutated } from '../../test/support/fuzz-arbitraries.js';
import { fuzzIt } from '../../test/support/fuzz.js';
import { open, seal } from './sealed-box.js';

const KEY = Buffer.alloc(32, 3);
const OTHER_KEY = Buffer.alloc(32, 4);

describe('sealed box (fuzz)', () => {
  fuzzIt('open never throws and answers null for anything it did not seal', 3000, () =>
    fc.property(anyString({ maxLength: 120 }), (sealed) => {
      expect(open(KEY, sealed)).toBeNull();
    }),
  );

  fuzzIt('round-trips any text, and refuses it under another key or after any one-character change', 2000, () =>
    fc.property(
      fc.string({ unit: 'grapheme', maxLength: 60 }).chain((text) => {
        const sealed = seal(KEY, text);
        return fc.tuple(fc.constant(text), fc.constant(sealed), mutated(fc.constant(sealed), fc.stringMatching(/^[A-Za-z0-9_-]$/)));
      }),
      ([text, sealed, changed]) => {
        expect(open(KEY, sealed)).toBe(text);
        expect(open(OTHER_KEY, sealed)).toBeNull();
        // base64url's last character may carry unused bits: only a change of the decoded bytes must be refused.
        if (!Buffer.from(changed, 'base64url').equals(Buffer.from(sealed, 'base64url'))) expect(open(KEY, changed)).toBeNull();
      },
    ),
  );
});
