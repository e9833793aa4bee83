/**
 * A reader of one CacheEntry's answer, from its first byte to its last,
 * following the file while git is still writing it. It reads into buffers
 * its caller owns, so one answer can be relayed through the same two buffers
 * from start to end instead of allocating (and collecting) a fresh one per
 * chunk.
 */
import fs from 'node:fs';
import { once } from 'node:events';
import { promisify } from 'node:util';
import type { ExitStatus } from '../git-child.js';
import type { CacheEntry, EntryFailure } from './cache-entry.js';

const read = promisify(fs.read);

/**
 * While git still writes, a read waits (at most FOLLOW_WAIT_MS) until this
 * many bytes are there: git's output arrives in chunks of a few KiB, and
 * relaying each as it comes cost a file read, an HTTP chunk and a socket
 * write apiece — most of the gateway's CPU on a clone that runs git.
 */
const FOLLOW_BYTES = 256 * 1024;
const FOLLOW_WAIT_MS = 20;

/** What a read rejects with when the entry's git run failed: why, and how git exited. */
export class GitRunFailedError extends Error {
  constructor(
    readonly failure: EntryFailure | null,
    readonly exit: ExitStatus | null,
  ) {
    super(`git run failed (${failure})`);
  }
}

/**
 * Reads `entry` through the descriptor `fd` (from `entry.attach()`), which
 * it detaches once closed and no read is under way. It reports the end when
 * the entry is complete and fails when the entry's git run failed, so a
 * client never takes a partial answer for a whole one.
 */
export class EntryReader {
  #position = 0;
  #reading = false;
  #closed = false;
  #detached = false;
  readonly #closing = new AbortController();
  /** The answer's length when it was whole before reading started, else null (it is still being written). */
  readonly length: number | null;

  /** `ranGit`: the git run writing the entry was started for this reader (else it was kept, or shared). */
  constructor(
    private readonly entry: CacheEntry,
    private readonly fd: number,
    readonly ranGit = false,
  ) {
    this.length = entry.state === 'complete' ? entry.size : null;
  }

  /**
   * Reads the next bytes of the answer into `buffer`, waiting while git has
   * not written them yet. Resolves with how many it read, 0 at the answer's
   * end; rejects when git's run failed (GitRunFailedError) or the reader was
   * closed. One read at a time.
   */
  read(buffer: Buffer): Promise<number> {
    return this.#exclusive(async () => {
      let waitingSince: number | null = null;
      for (;;) {
        if (this.#closed) throw new Error('reader closed');
        const available = this.entry.size - this.#position;
        const batched =
          this.entry.state !== 'writing' ||
          available >= Math.min(buffer.length, FOLLOW_BYTES) ||
          (waitingSince !== null && performance.now() - waitingSince >= FOLLOW_WAIT_MS);
        if (available > 0 && batched) {
          const { bytesRead } = await read(this.fd, buffer, 0, Math.min(available, buffer.length), this.#position);
          if (this.#closed) throw new Error('reader closed');
          if (bytesRead === 0) throw new Error('cached answer shorter than written');
          this.#position += bytesRead;
          return bytesRead;
        }
        if (this.entry.state === 'complete') return 0;
        if (this.entry.state === 'failed') throw new GitRunFailedError(this.entry.failure, this.entry.exit);
        if (available === 0) {
          await once(this.entry, 'change', { signal: this.#closing.signal });
          continue;
        }
        // Some bytes are there, not yet a batch: the next write or the wait's end, whichever comes first.
        waitingSince ??= performance.now();
        const waited = FOLLOW_WAIT_MS - (performance.now() - waitingSince);
        await this.#changeOrTimeout(Math.max(1, Math.ceil(waited)));
      }
    });
  }

  /** Runs `work` as the one read or send under way; afterwards a close that came meanwhile releases the descriptor. */
  async #exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.#reading) throw new Error('one read at a time');
    this.#reading = true;
    try {
      return await work();
    } finally {
      this.#reading = false;
      this.#detachIfClosed();
    }
  }

  /** Resolves at the entry's next change or after `ms`; rejects when the reader is closed meanwhile. */
  #changeOrTimeout(ms: number): Promise<void> {
    const { signal } = this.#closing;
    if (signal.aborted) return Promise.reject(new Error('reader closed'));
    return new Promise((resolve, reject) => {
      const settle = (): void => {
        clearTimeout(timer);
        this.entry.off('change', changed);
        signal.removeEventListener('abort', closed);
      };
      const changed = (): void => {
        settle();
        resolve();
      };
      const closed = (): void => {
        settle();
        reject(new Error('reader closed'));
      };
      const timer = setTimeout(changed, ms);
      this.entry.once('change', changed);
      signal.addEventListener('abort', closed, { once: true });
    });
  }

  /**
   * For an answer that was whole before reading started (`length` is not
   * null): instead of reading the next at most `most` bytes, hands them to
   * `send` as a range of the file (descriptor, position, length) and
   * resolves with how many once `send` resolved, 0 at the answer's end;
   * rejects when `send` does or the reader was closed. The descriptor stays
   * open until `send` settled. One read or send at a time.
   */
  async sendRange(most: number, send: (fd: number, position: number, length: number) => Promise<void>): Promise<number> {
    const length = this.length;
    if (length === null) throw new Error('the answer was not whole when reading started');
    return this.#exclusive(async () => {
      if (this.#closed) throw new Error('reader closed');
      const bytes = Math.min(most, length - this.#position);
      if (bytes <= 0) return 0;
      await send(this.fd, this.#position, bytes);
      if (this.#closed) throw new Error('reader closed');
      this.#position += bytes;
      return bytes;
    });
  }

  /** Stops reading: a read under way rejects, and the descriptor is released once it returned. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort();
    this.#detachIfClosed();
  }

  // The descriptor is closed only when no fs.read is using it: a number closed under a read could be reused by another open.
  #detachIfClosed(): void {
    if (!this.#closed || this.#reading || this.#detached) return;
    this.#detached = true;
    this.entry.detach(this.fd);
  }
}
