/**
 * A stream of one CacheEntry's answer, from its first byte to its last,
 * following the file while git is still writing it.
 */
import fs from 'node:fs';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import type { CacheEntry } from './cache-entry.js';

const read = promisify(fs.read);
const CHUNK_BYTES = 256 * 1024;

/**
 * Reads `entry` through the descriptor `fd` (from `entry.attach()`, detached
 * when the stream is destroyed). It ends when the entry is complete and
 * fails when the entry's git run failed, so a client never takes a partial
 * answer for a whole one.
 */
export class EntryReader extends Readable {
  #position = 0;
  #pumping = false;
  #detached = false;
  /** The answer's length when it was whole before the stream started, else null (it is still being written). */
  readonly length: number | null;

  constructor(
    private readonly entry: CacheEntry,
    private readonly fd: number,
  ) {
    super({ highWaterMark: CHUNK_BYTES });
    this.length = entry.state === 'complete' ? entry.size : null;
  }

  override _read(): void {
    void this.#pump();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.#detached) {
      this.#detached = true;
      this.entry.detach(this.fd);
    }
    callback(err);
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (!this.destroyed) {
        const available = this.entry.size - this.#position;
        if (available > 0) {
          const buffer = Buffer.allocUnsafe(Math.min(available, CHUNK_BYTES));
          const { bytesRead } = await read(this.fd, buffer, 0, buffer.length, this.#position);
          if (this.destroyed) return;
          if (bytesRead === 0) throw new Error('cached answer shorter than written');
          this.#position += bytesRead;
          if (!this.push(buffer.subarray(0, bytesRead))) return;
        } else if (this.entry.state === 'complete') {
          this.push(null);
          return;
        } else if (this.entry.state === 'failed') {
          throw new Error(`git run failed (${this.entry.failure})`);
        } else {
          await once(this.entry, 'change');
        }
      }
    } catch (err) {
      this.destroy(err as Error);
    } finally {
      this.#pumping = false;
    }
  }
}
