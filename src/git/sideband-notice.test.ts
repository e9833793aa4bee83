import { describe, expect, it } from 'vitest';
import { encodePktLine, FLUSH_PKT } from './pkt-line.js';
import { progressPacket, SidebandNoticeSplicer } from './sideband-notice.js';

const band = (n: number, text: string): Buffer => encodePktLine(Buffer.concat([Buffer.of(n), Buffer.from(text)]));
const NOTICE = 'warning: personal access token "ci" expires on 2026-12-10 (in 6 days)';

/** Runs `stream` through a splicer in pieces cut at `cuts`. */
function splice(stream: Buffer, cuts: number[]): Buffer {
  const splicer = new SidebandNoticeSplicer(NOTICE);
  const out: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts, stream.length]) {
    out.push(...splicer.feed(stream.subarray(from, cut)));
    from = cut;
  }
  out.push(...splicer.end());
  return Buffer.concat(out);
}

const v0 = Buffer.concat([encodePktLine('NAK\n'), band(2, 'Enumerating objects: 3, done.\n'), band(1, 'PACK....'), FLUSH_PKT]);
const v2 = Buffer.concat([
  encodePktLine('acknowledgments\n'),
  encodePktLine('NAK\n'),
  Buffer.from('0001'),
  encodePktLine('packfile\n'),
  band(1, 'PACK....'),
  FLUSH_PKT,
]);

describe('SidebandNoticeSplicer', () => {
  it.each([
    ['a v0 fetch answer', v0, encodePktLine('NAK\n').length],
    ['a v2 fetch answer', v2, v2.length - band(1, 'PACK....').length - FLUSH_PKT.length],
  ])('puts the notice before the first side-band packet of %s, however the stream is cut', (_name, stream, at) => {
    const expected = Buffer.concat([stream.subarray(0, at), progressPacket(NOTICE), stream.subarray(at)]);
    for (let cut = 0; cut <= stream.length; cut++) {
      expect(splice(stream, [cut]).equals(expected)).toBe(true);
    }
    const everyByte = Array.from({ length: stream.length }, (_, i) => i);
    expect(splice(stream, everyByte).equals(expected)).toBe(true);
  });

  it('leaves an answer without side-band alone: a ref advertisement, a raw v0 pack', () => {
    const advertisement = Buffer.concat([encodePktLine('0123456789012345678901234567890123456789 HEAD\0side-band-64k\n'), FLUSH_PKT]);
    expect(splice(advertisement, [7]).equals(advertisement)).toBe(true);
    const raw = Buffer.concat([encodePktLine('NAK\n'), Buffer.from('PACK\0\0\0\x02rest of the pack')]);
    expect(splice(raw, [10]).equals(raw)).toBe(true);
  });

  it('adds the notice once, and passes the rest as it came', () => {
    const splicer = new SidebandNoticeSplicer(NOTICE);
    const first = splicer.feed(v0);
    expect(splicer.done).toBe(true);
    const later = band(1, 'more');
    expect(splicer.feed(later)).toEqual([later]);
    expect(Buffer.concat(first).toString('latin1').split(NOTICE)).toHaveLength(2);
  });

  it('makes the notice one band-2 line the client prints as `remote:`', () => {
    const packet = progressPacket('two\nlines');
    expect(packet.toString('latin1')).toBe(`000f\x02two lines\n`);
    expect(progressPacket('x'.repeat(5000)).length).toBeLessThan(1100);
  });
});
