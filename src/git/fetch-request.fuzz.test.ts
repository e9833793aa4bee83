import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { anyBytes } from '../../test/support/fuzz-arbitraries.js';
import { almostPktLines, compact, frame, oid, packet, v0FreshFetch, v2FreshFetch, v2LsRefs, type FuzzPacket } from '../../test/support/fuzz-pkt-lines.js';
import { fuzzIt } from '../../test/support/fuzz.js';
import { isFreshFetch } from './fetch-request.js';

type Request = (FuzzPacket | string)[];

/** `request` with `extra` inserted after the command line (v2) or the first want (v0). */
const withInserted = (request: fc.Arbitrary<Request>, extra: fc.Arbitrary<string>): fc.Arbitrary<Request> =>
  fc.tuple(request, extra, fc.nat()).map(([packets, line, at]) => {
    const i = 1 + (at % (packets.length - 1));
    return [...packets.slice(0, i), line, ...packets.slice(i)];
  });

const have = oid.map((o) => `have ${o}\n`);
const both = fc.oneof(v2FreshFetch.map((r) => ({ v2: true, r })), v0FreshFetch.map((r) => ({ v2: false, r })));

describe('isFreshFetch (fuzz)', () => {
  fuzzIt('never throws, on any bytes, near-pkt-lines or packets', 4000, () =>
    fc.property(
      fc.oneof(anyBytes(300), almostPktLines, fc.array(packet, { maxLength: 6 }).map((p) => compact(frame(p)))),
      fc.boolean(),
      (bytes, v2) => {
        expect(typeof isFreshFetch(bytes, v2)).toBe('boolean');
      },
    ),
  );

  fuzzIt('recognizes every clone request git sends, in its own protocol only', 3000, () =>
    fc.property(both, ({ v2, r }) => {
      expect(isFreshFetch(frame(r), v2)).toBe(true);
      expect(isFreshFetch(frame(r), !v2)).toBe(false);
    }),
  );

  fuzzIt('refuses the same requests with a have, a session id, or bytes cut off', 3000, () =>
    fc.property(
      fc.oneof(
        both.chain(({ v2, r }) => withInserted(fc.constant(r), have).map((changed) => ({ v2, bytes: compact(frame(changed)) }))),
        v2FreshFetch.chain((r) => withInserted(fc.constant(r), fc.constant('session-id=abc\n')).map((changed) => ({ v2: true, bytes: frame(changed) }))),
        both.chain(({ v2, r }) => fc.nat().map((n) => ({ v2, bytes: compact(frame(r).subarray(0, n % frame(r).length)) }))),
      ),
      ({ v2, bytes }) => {
        expect(isFreshFetch(bytes, v2)).toBe(false);
      },
    ),
  );

  fuzzIt('never calls an ls-refs, or anything without a want, a fresh fetch', 2000, () =>
    fc.property(v2LsRefs, fc.boolean(), (r, v2) => {
      expect(isFreshFetch(frame(r), v2)).toBe(false);
    }),
  );
});
