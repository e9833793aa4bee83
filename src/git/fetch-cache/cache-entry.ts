/**
 * One cached upload-pack answer: a file that one git run writes and any
 * number of requests read, from its first byte, while it is being written
 * and after. git writes the file itself (GitCommand.stdoutFile): its output
 * never passes through the gateway on the way in, only on the way out.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import { succeeded, type ExitStatus, type GitChild } from '../git-child.js';

/** Where an entry's git run is. */
export type EntryState = 'writing' | 'complete' | 'failed';

/** Why a run that did not complete failed, for the log. */
export type EntryFailure = 'git-failed' | 'abandoned' | 'timeout' | 'write-failed';

/**
 * How often the file's length is looked at while git writes it: a reader
 * waits for a batch of 256 KiB or 20 ms (see EntryReader), and git writes a
 * large clone at a few hundred MB/s, so every look finds a batch or so.
 */
const FOLLOW_INTERVAL_MS = 4;

/** git's words (LANG=C) for an output it could not write: the disk, not git, failed. */
const DISK_FULL = /No space left on device|Disk quota exceeded|File too large/;

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
   * Follows `child`, which writes its output to `file`, through `fd` (open
   * on `file`; the entry closes it). `child` must already have its input.
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
    this.done = this.#follow(fd);
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

  async #follow(fd: number): Promise<void> {
    const child = this.#child!;
    const timer = setInterval(() => this.#observe(fd), FOLLOW_INTERVAL_MS);
    this.#exit = await child.exited;
    clearInterval(timer);
    clearTimeout(this.#timer);
    // git and its pack-objects are gone: the file holds all they wrote.
    this.#observe(fd);
    fs.close(fd, () => undefined);
    this.#stderr = child.stderr();
    this.#child = null;
    if (!this.#failure && !succeeded(this.#exit)) this.#failure = DISK_FULL.test(this.#stderr) ? 'write-failed' : 'git-failed';
    this.#finishedAt = this.now();
    this.#state = this.#failure ? 'failed' : 'complete';
    this.emit('change');
  }

  /** Takes the file's length as the answer's size (git only appends). */
  #observe(fd: number): void {
    let size: number;
    try {
      size = fs.fstatSync(fd).size;
    } catch {
      return this.#stop('write-failed');
    }
    if (size === this.#size) return;
    this.#size = size;
    this.emit('change');
  }

  #stop(reason: EntryFailure): void {
    if (this.#failure || this.#state !== 'writing') return;
    this.#failure = reason;
    // upload-pack and its pack-objects write nothing but their output: nothing to clean up.
    this.#child?.signal('SIGKILL');
  }
}
