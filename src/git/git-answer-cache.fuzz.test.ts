import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { anyBytes } from '../../test/support/fuzz-arbitraries.js';
import { almostPktLines, compact, frame, packet, v0FreshFetch, v2FreshFetch, v2LsRefs } from '../../test/support/fuzz-pkt-lines.js';
import { fuzzIt } from '../../test/support/fuzz.js';
import { GitAnswerCache } from './git-answer-cache.js';

const lsRefs = v2LsRefs.map((r) => compact(frame(r)));

describe('GitAnswerCache.isLsRefs (fuzz)', () => {
  fuzzIt('never throws, on any bytes', 3000, () =>
    fc.property(fc.oneof(anyBytes(300), almostPktLines, lsRefs), (bytes) => {
      expect(typeof GitAnswerCache.isLsRefs(bytes)).toBe('boolean');
    }),
  );

  fuzzIt('recognizes every ls-refs request git sends', 2000, () =>
    fc.property(lsRefs, (bytes) => {
      expect(GitAnswerCache.isLsRefs(bytes)).toBe(true);
    }),
  );

  fuzzIt('refuses other commands', 2000, () =>
    fc.property(fc.oneof(v2FreshFetch, v0FreshFetch).map(frame), (bytes) => {
      expect(GitAnswerCache.isLsRefs(bytes)).toBe(false);
    }),
  );

  fuzzIt('never accepts more or less than one whole command: cut short, or followed by anything', 3000, () =>
    fc.property(
      fc.oneof(
        lsRefs.chain((b) => fc.integer({ min: 0, max: b.length - 1 }).map((n) => compact(b.subarray(0, n)))),
        fc.tuple(lsRefs, fc.oneof(anyBytes(40).filter((b) => b.length > 0), fc.array(packet, { minLength: 1, maxLength: 3 }).map(frame), lsRefs)).map(([a, b]) =>
          compact(Buffer.concat([a, b])),
        ),
      ),
      (bytes) => {
        expect(GitAnswerCache.isLsRefs(bytes)).toBe(false);
      },
    ),
  );
});
