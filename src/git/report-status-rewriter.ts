/**
 * Puts gitgate's per-ref reasons into receive-pack's report-status
 * (gitprotocol-pack(5)). When gitgate's pre-receive hook refuses a push,
 * git reports every ref as `ng <ref> pre-receive hook declined`; the hook
 * also wrote why for each ref, and this stream swaps git's words for those,
 * so the client's `! [remote rejected] main (…)` line says why. Report
 * lines come bare or inside side-band 1 packets; everything else — the ref
 * advertisement, progress on bands 2 and 3, flushes — passes unchanged.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { encodePktLine, MAX_PKT_PAYLOAD } from './pkt-line.js';

const DECLINED = /^ng (\S+) pre-receive hook declined\n?$/;
const BAND_DATA = 1;

/**
 * A transform of receive-pack's output; `reasons` is read when the first
 * declined line passes (after the hook ran) and maps refs to the words to use.
 */
export function reportStatusRewriter(reasons: () => ReadonlyMap<string, string>): Transform {
  let outer = Buffer.alloc(0);
  let inner = Buffer.alloc(0);
  let known: ReadonlyMap<string, string> | null = null;

  const rewrite = (payload: Buffer): Buffer => {
    if (payload.length > 200 || payload[0] !== 0x6e /* n */) return payload;
    const match = DECLINED.exec(payload.toString('utf8'));
    if (!match) return payload;
    known ??= reasons();
    const reason = known.get(match[1]!);
    return reason ? Buffer.from(`ng ${match[1]} ${reason.replace(/[\r\n]+/g, ' ')}\n`, 'utf8') : payload;
  };

  let passThrough = false;

  /** Complete pkt-lines at the start of `buf`, and what is left over; `framed` is false at bytes that are no pkt-line. */
  const packets = (buf: Buffer): { lines: Buffer[]; rest: Buffer; framed: boolean } => {
    const lines: Buffer[] = [];
    let at = 0;
    while (buf.length - at >= 4) {
      const header = buf.toString('ascii', at, at + 4);
      if (!/^[0-9a-f]{4}$/i.test(header)) return { lines, rest: buf.subarray(at), framed: false };
      // 0000 flush, 0001 delim, 0002 response-end: four bytes; anything else counts itself.
      const length = Math.max(parseInt(header, 16), 4);
      if (buf.length - at < length) break;
      lines.push(buf.subarray(at, at + length));
      at += length;
    }
    return { lines, rest: buf.subarray(at), framed: true };
  };

  /** The inner pkt-lines of side-band 1, rewritten and framed again as band-1 packets. */
  const bandData = (data: Buffer): Buffer[] => {
    const { lines, rest, framed } = packets(Buffer.concat([inner, data]));
    inner = framed ? Buffer.from(rest) : Buffer.alloc(0);
    if (!framed) lines.push(rest);
    const body = Buffer.concat(lines.map((l) => (framed && l.length > 4 ? encodePktLine(rewrite(l.subarray(4))) : l)));
    const out: Buffer[] = [];
    for (let at = 0; at < body.length; at += MAX_PKT_PAYLOAD - 1) {
      out.push(encodePktLine(Buffer.concat([Buffer.of(BAND_DATA), body.subarray(at, at + MAX_PKT_PAYLOAD - 1)])));
    }
    return out;
  };

  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      if (passThrough) return done(null, chunk);
      const { lines, rest, framed } = packets(Buffer.concat([outer, chunk]));
      outer = framed ? Buffer.from(rest) : Buffer.alloc(0);
      // Not pkt-lines after all: from here on, everything goes out as it comes.
      if (!framed) passThrough = true;
      const out: Buffer[] = [];
      for (const line of lines) {
        if (line.length <= 4) out.push(line);
        else if (line[4] === BAND_DATA) out.push(...bandData(line.subarray(5)));
        else if (line[4] === 2 || line[4] === 3) out.push(line);
        else out.push(encodePktLine(rewrite(line.subarray(4))));
      }
      if (!framed) out.push(rest);
      done(null, Buffer.concat(out));
    },
    flush(done: TransformCallback) {
      // Whatever did not frame (a stream cut short) goes out as it came.
      done(null, Buffer.concat([inner.length > 0 ? encodePktLine(Buffer.concat([Buffer.of(BAND_DATA), inner])) : Buffer.alloc(0), outer]));
    },
  });
}
