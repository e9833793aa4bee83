/**
 * Adds one message to git's progress output. Where git multiplexes its
 * answer (side-band and side-band-64k, gitprotocol-pack(5); always for a
 * protocol v2 `packfile` section), band 2 carries progress text that the
 * client prints as `remote: …` whether or not it asked for progress. The
 * message goes out as a band-2 packet right before git's first side-band
 * packet; an answer that is never multiplexed (a ref advertisement, a v0
 * pack sent raw to a client without side-band) passes unchanged.
 *
 * It works on the bytes as they are sent, so a cached answer shared by many
 * clients stays the same for all of them.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { encodePktLine } from './pkt-line.js';

const BAND_PROGRESS = 2;
/** Longest message sent (bytes); a longer one is cut. */
const MAX_NOTICE_BYTES = 1000;
const EMPTY = Buffer.alloc(0);

/** The band-2 packet carrying `notice` as one line. */
export function progressPacket(notice: string): Buffer {
  const text = Buffer.from(`${notice.replace(/[\r\n]+/g, ' ')}`, 'utf8').subarray(0, MAX_NOTICE_BYTES);
  return encodePktLine(Buffer.concat([Buffer.of(BAND_PROGRESS), text, Buffer.from('\n')]));
}

/**
 * Finds the first side-band packet of a pkt-line stream fed to it chunk by
 * chunk and puts the notice before it. Chunks are passed on as subarrays
 * (never copied once the notice is out), so a caller that reuses its
 * buffers must keep each until the pieces returned for it were sent.
 */
export class SidebandNoticeSplicer {
  readonly #packet: Buffer;
  #done = false;
  /** Bytes of the current packet still to pass before the next header. */
  #skip = 0;
  /** The start of a packet whose header (and band byte) has not all arrived. */
  #held: Buffer = EMPTY;

  constructor(notice: string) {
    this.#packet = progressPacket(notice);
  }

  /** True once the notice was placed, or the stream turned out not to be pkt-lines. */
  get done(): boolean {
    return this.#done;
  }

  /** The pieces to send for `chunk`, in order. */
  feed(chunk: Buffer): Buffer[] {
    if (this.#done) return [chunk];
    const data = this.#held.length > 0 ? Buffer.concat([this.#held, chunk]) : chunk;
    this.#held = EMPTY;
    let at = 0;
    while (at < data.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, data.length - at);
        this.#skip -= n;
        at += n;
        continue;
      }
      if (data.length - at < 4) break;
      const header = data.toString('latin1', at, at + 4);
      if (!/^[0-9a-f]{4}$/i.test(header)) {
        // Not pkt-lines (a raw pack after NAK): nothing here carries progress.
        this.#done = true;
        return [data];
      }
      const length = parseInt(header, 16);
      if (length <= 4) {
        // flush, delim, response-end, or an empty packet.
        at += 4;
        continue;
      }
      if (data.length - at < 5) break;
      const band = data[at + 4]!;
      if (band >= 1 && band <= 3) {
        this.#done = true;
        return [data.subarray(0, at), this.#packet, data.subarray(at)].filter((b) => b.length > 0);
      }
      this.#skip = length;
    }
    if (at < data.length) this.#held = Buffer.from(data.subarray(at));
    return at > 0 ? [data.subarray(0, at)] : [];
  }

  /** What is still held back when the stream ends (a stream cut inside a header). */
  end(): Buffer[] {
    const held = this.#held;
    this.#held = EMPTY;
    return held.length > 0 ? [held] : [];
  }
}

/** A transform that adds `notice` to a git answer (see SidebandNoticeSplicer). */
export function sidebandNotice(notice: string): Transform {
  const splicer = new SidebandNoticeSplicer(notice);
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      for (const piece of splicer.feed(chunk)) this.push(piece);
      done();
    },
    flush(done: TransformCallback) {
      for (const piece of splicer.end()) this.push(piece);
      done();
    },
  });
}
