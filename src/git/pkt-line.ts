/**
 * Git pkt-line framing (gitprotocol-common(5)): a 4-hex-digit length that
 * counts itself, then the payload; `0000` is a flush packet.
 */
import type { GitService } from '../identity/git-service.js';

/** The flush packet. */
export const FLUSH_PKT = Buffer.from('0000', 'ascii');

/** Largest payload one pkt-line can carry (65520 minus the 4-byte header). */
export const MAX_PKT_PAYLOAD = 65516;

/**
 * Frames `payload` as one pkt-line.
 * @throws RangeError when the payload is longer than MAX_PKT_PAYLOAD.
 * @example encodePktLine('# service=git-upload-pack\n') // '001e# service=git-upload-pack\n'
 */
export function encodePktLine(payload: string | Buffer): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  if (data.length > MAX_PKT_PAYLOAD) throw new RangeError(`pkt-line payload too long: ${data.length}`);
  const header = Buffer.from((data.length + 4).toString(16).padStart(4, '0'), 'ascii');
  return Buffer.concat([header, data]);
}

/**
 * The smart-HTTP `info/refs` preamble for protocol v0/v1:
 * `# service=<service>\n` as a pkt-line followed by a flush.
 */
export function serviceAdvertisementPreamble(service: GitService): Buffer {
  return Buffer.concat([encodePktLine(`# service=${service}\n`), FLUSH_PKT]);
}

/** One packet of a pkt-line stream: a payload, or one of v2's special packets. */
export type Packet = Buffer | 'flush' | 'delim' | 'response-end';

const SPECIAL: Record<number, Packet> = { 0: 'flush', 1: 'delim', 2: 'response-end' };

/** Largest pkt-line, header included (gitprotocol-common(5): LARGE_PACKET_MAX). */
const MAX_PKT_LENGTH = MAX_PKT_PAYLOAD + 4;

/**
 * Splits a whole pkt-line stream into its packets; null when it is not one
 * (a bad length — 0003, or above 65520 — a truncated packet, or bytes left
 * over).
 *
 * @example splitPktLines(Buffer.from('0009done\n0000')) // [<Buffer 'done\n'>, 'flush']
 */
export function splitPktLines(stream: Buffer): Packet[] | null {
  const packets: Packet[] = [];
  let at = 0;
  while (at < stream.length) {
    const header = stream.toString('latin1', at, at + 4);
    if (!/^[0-9a-f]{4}$/.test(header)) return null;
    const length = parseInt(header, 16);
    const special = SPECIAL[length];
    if (special) {
      packets.push(special);
      at += 4;
      continue;
    }
    if (length < 4 || length > MAX_PKT_LENGTH || at + length > stream.length) return null;
    packets.push(stream.subarray(at + 4, at + length));
    at += length;
  }
  return packets;
}
