/**
 * git's output read from its stdout socket without a fresh buffer per read:
 * the socket reads into one small buffer (`onread`), each read is copied to
 * the end of a larger batch buffer, and the batch is handed on once it is
 * nearly full or FLUSH_MS after its first byte, the socket paused until the
 * batch was written. upload-pack writes a few KiB at a time; handing on each
 * read cost a write and its bookkeeping apiece, most of the gateway's CPU
 * on a clone that runs git.
 */
import type net from 'node:net';

/** Most bytes per read of the socket. */
const READ_BYTES = 64 * 1024;
/** Longest a byte waits in the batch for more (progress messages come a few at a time). */
const FLUSH_MS = 5;

/** Batches one socket's input into `batch` for one consumer (see GitChild.pump). */
export class OutputPump {
  readonly #batch: Buffer;
  readonly #readBuffer = Buffer.allocUnsafeSlow(READ_BYTES);
  #socket: net.Socket | null = null;
  #write: ((chunk: Buffer) => Promise<void>) | null = null;
  #filled = 0;
  #writing = false;
  #timer: NodeJS.Timeout | null = null;
  /** The write of the last batch. */
  #written: Promise<void> = Promise.resolve();
  #fail: (err: unknown) => void = () => undefined;

  /** `batch` must hold at least twice READ_BYTES. */
  constructor(batch: Buffer) {
    if (batch.length < 2 * READ_BYTES) throw new RangeError(`an output buffer holds at least ${2 * READ_BYTES} bytes`);
    this.#batch = batch;
  }

  /** The `onread` option of the socket to read. */
  get onread(): net.OnReadOpts {
    return { buffer: this.#readBuffer, callback: (bytes) => this.#read(bytes) };
  }

  /** Reads `socket` (made with `onread`) for `write`; see GitChild.pump. Once only. */
  pump(socket: net.Socket, write: (chunk: Buffer) => Promise<void>): Promise<void> {
    if (this.#write) return Promise.reject(new Error('pump() was called before'));
    this.#socket = socket;
    this.#write = write;
    return new Promise<void>((resolve, reject) => {
      let over = false;
      this.#fail = (err) => {
        if (over) return;
        over = true;
        this.#stopTimer();
        socket.destroy();
        reject(err);
      };
      // The output ends (cleanly, whatever happened to the socket) once what it brought was written.
      const end = (): void => {
        void this.#written
          .then(() => {
            this.#flush();
            return this.#written;
          })
          .then(() => {
            if (over) return;
            over = true;
            resolve();
          });
      };
      socket.once('end', end);
      socket.once('close', end);
    });
  }

  #read(bytes: number): boolean {
    if (!this.#write) {
      // Nobody pumps: the output has nowhere to go, and git must not be left blocked.
      this.#socket?.destroy();
      return false;
    }
    this.#readBuffer.copy(this.#batch, this.#filled, 0, bytes);
    this.#filled += bytes;
    if (this.#batch.length - this.#filled < READ_BYTES) {
      this.#flush();
      return false;
    }
    this.#timer ??= setTimeout(() => this.#flush(), FLUSH_MS);
    return true;
  }

  /** Hands the batch on, the socket paused until it was written. */
  #flush(): void {
    this.#stopTimer();
    const write = this.#write;
    if (this.#writing || this.#filled === 0 || !write) return;
    this.#writing = true;
    const socket = this.#socket!;
    socket.pause();
    this.#written = write(this.#batch.subarray(0, this.#filled)).then(
      () => {
        this.#writing = false;
        this.#filled = 0;
        if (!socket.destroyed) socket.resume();
      },
      (err: unknown) => this.#fail(err),
    );
  }

  #stopTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
