/**
 * One cached upload-pack answer: a file that one git run writes and any
 * number of requests read, from its first byte, while it is being written
 * and after.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { succeeded, type ExitStatus, type GitChild } from '../git-child.js';

/** Where an entry's git run is. */
export type EntryState = 'writing' | 'complete' | 'failed';

/** Why a run that did not complete failed, for the log. */
export type EntryFailure = 'git-failed' | 'abandoned' | 'timeout' | 'write-failed';

/**
 * The answer git is writing (or wrote) into `file`. Readers `attach()` and
 * read up to `size`; 'change' is emitted whenever `size` or `state` changes.
 * git runs at its own pace, not its slowest reader's, and is stopped when
 * the last reader goes before it finished (nobody is waiting any more) or
 * after `timeoutMs`.
 */
export class CacheEntry extends EventEmitter {
  #state: EntryState = 'writing';
  #size = 0;
  #readers = 0;
  #failure: EntryFailure | null = null;
  #exit: ExitStatus | null = null;
  #finishedAt: number | null = null;
  #child: GitChild | null;
  #stderr = '';
  readonly #timer: NodeJS.Timeout;
  /** Settles when the run is over, whatever its outcome. */
  readonly done: Promise<void>;

  /**
   * Starts copying `child`'s output into `fd` (open for writing on `file`,
   * which the entry closes). `child` must already have its input.
   */
  constructor(
    readonly key: string,
    readonly file: string,
    child: GitChild,
    fd: number,
    timeoutMs: number,
    private readonly now: () => number,
  ) {
    super();
    this.#child = child;
    this.setMaxListeners(0);
    this.#timer = setTimeout(() => this.#stop('timeout'), timeoutMs);
    this.done = this.#copy(fd);
  }

  get state(): EntryState {
    return this.#state;
  }

  /** Bytes of the answer in the file so far. */
  get size(): number {
    return this.#size;
  }

  /** Why the run failed or is being stopped; set before `state` turns 'failed'. */
  get failure(): EntryFailure | null {
    return this.#failure;
  }

  /** When the run ended (by the entry's clock), or null while it runs. */
  get finishedAt(): number | null {
    return this.#finishedAt;
  }

  /** How git ended, once it did. */
  get exit(): ExitStatus | null {
    return this.#exit;
  }

  /** git's stderr (bounded), for the log. */
  stderr(): string {
    return this.#child?.stderr() ?? this.#stderr;
  }

  /**
   * A new reader: a descriptor of the file, opened now so the entry may be
   * evicted (unlinked) while it reads. Null when the file is gone already.
   * Every attach must be followed by one `detach(fd)`.
   */
  attach(): number | null {
    try {
      const fd = fs.openSync(this.file, 'r');
      this.#readers++;
      return fd;
    } catch {
      return null;
    }
  }

  /** The reader of `fd` is gone; the last one to leave a run under way stops it. */
  detach(fd: number): void {
    fs.close(fd, () => undefined);
    this.#readers--;
    this.cancelIfUnread();
  }

  /** Stops a run under way that nobody reads (any more). */
  cancelIfUnread(): void {
    if (this.#readers === 0 && this.#state === 'writing') this.#stop('abandoned');
  }

  async #copy(fd: number): Promise<void> {
    const child = this.#child!;
    let diskError: Error | null = null;
    const sink = new Writable({
      writev: (chunks, done) => {
        const buffers = chunks.map((c) => c.chunk as Buffer);
        const length = buffers.reduce((sum, b) => sum + b.length, 0);
        fs.writev(fd, buffers, (err, written) => {
          // A regular file takes the whole write unless the disk is full.
          if (err || written !== length) {
            diskError = err ?? new Error('short write');
            return done(diskError);
          }
          this.#size += written;
          this.emit('change');
          done();
        });
      },
    });
    let copied = true;
    try {
      // Through the run's one outputBuffer when the launcher reads into it (the spawner), else as a stream.
      if (child.pump) await child.pump((chunk) => this.#write(fd, chunk, (err) => (diskError = err)));
      else await pipeline(child.stdout, sink);
    } catch {
      copied = false;
      this.#stop(diskError ? 'write-failed' : 'git-failed');
    }
    this.#exit = await child.exited;
    clearTimeout(this.#timer);
    fs.close(fd, () => undefined);
    this.#stderr = child.stderr();
    this.#child = null;
    if (!this.#failure && !(copied && succeeded(this.#exit))) this.#failure = 'git-failed';
    this.#finishedAt = this.now();
    this.#state = this.#failure ? 'failed' : 'complete';
    this.emit('change');
  }

  /** Writes `chunk` whole at the end of the file; rejects (after telling `failed`) when the disk does not take it. */
  #write(fd: number, chunk: Buffer, failed: (err: Error) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      fs.writev(fd, [chunk], (err, written) => {
        // A regular file takes the whole write unless the disk is full.
        if (err || written !== chunk.length) {
          const diskError = err ?? new Error('short write');
          failed(diskError);
          return reject(diskError);
        }
        this.#size += written;
        this.emit('change');
        resolve();
      });
    });
  }

  #stop(reason: EntryFailure): void {
    if (this.#failure || this.#state !== 'writing') return;
    this.#failure = reason;
    // upload-pack and its pack-objects write nothing but their output: nothing to clean up.
    this.#child?.signal('SIGKILL');
  }
}
