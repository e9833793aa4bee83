/**
 * Reading a live pkt-line stream one packet at a time (a full-duplex git
 * conversation, where the next packet may not have been sent yet), keeping
 * what was read beyond the packet for whoever reads the stream next.
 */
import type { Readable } from 'node:stream';
import type { Packet } from './pkt-line.js';

/** One packet as it came: what it is, and its exact bytes (header included). */
export interface ReadPacket {
  packet: Packet;
  raw: Buffer;
}

/** A pkt-line stream that is not one: a bad length header. */
export class MalformedPktLineError extends Error {}

const SPECIAL: Record<number, Packet> = { 0: 'flush', 1: 'delim', 2: 'response-end' };
const MAX_PKT_LENGTH = 65520;
const EMPTY = Buffer.alloc(0);

/**
 * Reads packets from `stream` (paused; it is read with `read()`). Only the
 * bytes of whole packets returned by `next` are consumed: `leftover` holds
 * the rest, so a caller handing the stream over passes them on first.
 */
export class PktLineReader {
  #buffered: Buffer = EMPTY;
  #ended = false;

  /** `stop`: once it fires, a `next` waiting for input resolves null. */
  constructor(
    private readonly stream: Readable,
    private readonly stop?: AbortSignal,
  ) {}

  /** Bytes read from the stream that no `next` returned. */
  get leftover(): Buffer {
    return this.#buffered;
  }

  /** True once the stream ended or closed. */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * The next packet; null when the stream ends or closes first, or `stop`
   * fired (a partial packet then stays in `leftover`). Throws MalformedPktLineError on a bad
   * length header (which also stays in `leftover`).
   */
  async next(): Promise<ReadPacket | null> {
    for (;;) {
      const packet = this.#take();
      if (packet) return packet;
      if (!(await this.#more())) return null;
    }
  }

  #take(): ReadPacket | null {
    if (this.#buffered.length < 4) return null;
    const header = this.#buffered.toString('latin1', 0, 4);
    if (!/^[0-9a-f]{4}$/.test(header)) throw new MalformedPktLineError('bad pkt-line header');
    const length = parseInt(header, 16);
    const special = SPECIAL[length];
    const size = special ? 4 : length;
    if (!special && (length < 4 || length > MAX_PKT_LENGTH)) throw new MalformedPktLineError('bad pkt-line length');
    if (this.#buffered.length < size) return null;
    const raw = this.#buffered.subarray(0, size);
    this.#buffered = this.#buffered.subarray(size);
    return { packet: special ?? raw.subarray(4), raw };
  }

  async #more(): Promise<boolean> {
    for (;;) {
      const chunk = this.#ended ? null : (this.stream.read() as Buffer | null);
      if (chunk) {
        this.#buffered = this.#buffered.length === 0 ? chunk : Buffer.concat([this.#buffered, chunk]);
        return true;
      }
      if (this.#ended || this.stream.readableEnded || this.stream.destroyed) {
        this.#ended = true;
        return false;
      }
      if (this.stop?.aborted) return false;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.stream.off('readable', done);
          this.stream.off('end', ended);
          this.stream.off('close', ended);
          this.stop?.removeEventListener('abort', done);
          resolve();
        };
        const ended = (): void => {
          this.#ended = true;
          done();
        };
        this.stream.on('readable', done);
        this.stream.once('end', ended);
        this.stream.once('close', ended);
        this.stop?.addEventListener('abort', done, { once: true });
      });
    }
  }
}
