import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { anyBytes, anyString } from '../../test/support/fuzz-arbitraries.js';
import { almostPktLines, compact, describeBytes, describePackets, frame, packet, type FuzzPacket } from '../../test/support/fuzz-pkt-lines.js';
import { fuzzIt } from '../../test/support/fuzz.js';
import { encodePktLine, MAX_PKT_PAYLOAD, splitPktLines, type Packet } from './pkt-line.js';

/** Re-frames split packets with the code under test. */
const reframe = (packets: Packet[]): Buffer =>
  Buffer.concat(packets.map((p) => (p === 'flush' ? Buffer.from('0000') : p === 'delim' ? Buffer.from('0001') : p === 'response-end' ? Buffer.from('0002') : encodePktLine(p))));

/** A header of any length 0..65535 followed by exactly the bytes it announces. */
const anyLengthPacket = fc.integer({ min: 0, max: 0xffff }).map((n) => compact(Buffer.concat([Buffer.from(n.toString(16).padStart(4, '0')), Buffer.alloc(Math.max(0, n - 4), 0x78)])));

describe('pkt-line (fuzz)', () => {
  fuzzIt('splitPktLines never throws, on any bytes or near-pkt-lines', 5000, () =>
    fc.property(fc.oneof(anyBytes(300), almostPktLines, anyString().map((s) => Buffer.from(s, 'utf8'))), (bytes) => {
      const packets = splitPktLines(bytes);
      expect(packets === null || Array.isArray(packets)).toBe(true);
    }),
  );

  fuzzIt('round-trips: frames of any packets split back into exactly those packets', 3000, () =>
    fc.property(fc.array(packet, { maxLength: 8 }), (packets: FuzzPacket[]) => {
      expect(describePackets(splitPktLines(frame(packets)))).toEqual(describePackets(packets));
      expect(describePackets(splitPktLines(reframe(packets)))).toEqual(describePackets(packets));
    }),
  );

  fuzzIt('encodePktLine frames any payload up to the maximum and refuses longer ones with a RangeError', 2000, () =>
    fc.property(fc.oneof(anyBytes(300), fc.integer({ min: MAX_PKT_PAYLOAD - 8, max: MAX_PKT_PAYLOAD + 8 }).map((n) => compact(Buffer.alloc(n)))), (payload) => {
      if (payload.length > MAX_PKT_PAYLOAD) {
        expect(() => encodePktLine(payload)).toThrow(RangeError);
        return;
      }
      const framed = encodePktLine(payload);
      expect(framed.toString('latin1', 0, 4)).toBe((payload.length + 4).toString(16).padStart(4, '0'));
      expect(describeBytes(framed.subarray(4))).toBe(describeBytes(payload));
    }),
  );

  fuzzIt('never accepts a malformed stream: whatever it splits re-frames to the very same bytes', 5000, () =>
    fc.property(fc.oneof(almostPktLines, anyLengthPacket, fc.array(anyLengthPacket, { maxLength: 3 }).map((b) => compact(Buffer.concat(b)))), (bytes) => {
      const packets = splitPktLines(bytes);
      if (packets === null) return;
      expect(describeBytes(reframe(packets))).toBe(describeBytes(bytes));
    }),
  );

  fuzzIt('refuses what git refuses: lengths 0003 and above 65520, and short streams', 2000, () =>
    fc.property(fc.oneof(fc.constant(3), fc.integer({ min: 65_521, max: 0xffff })), fc.array(packet, { maxLength: 3 }), (length, before) => {
      const bad = Buffer.concat([Buffer.from(length.toString(16).padStart(4, '0')), Buffer.alloc(Math.max(0, length - 4), 0x78)]);
      expect(describePackets(splitPktLines(Buffer.concat([frame(before), bad])))).toBeNull();
      const whole = frame([...before, Buffer.from('x')]);
      expect(splitPktLines(whole.subarray(0, whole.length - 1))).toBeNull();
    }),
  );
});
