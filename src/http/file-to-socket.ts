/**
 * sendfile(2) from an open file into a client's connection, through the
 * optional native module `@gitgate/sendfile` (native/sendfile): the kernel
 * moves the bytes from the page cache to the socket, so a kept clone answer
 * never passes through the gateway's memory. Where the module is not built
 * (not Linux, no compiler at `npm ci`) there is none, and callers copy
 * through buffers as before.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import type { Socket } from 'node:net';
import { getSystemErrorName } from 'node:util';

/** Sends byte ranges of open files into connected sockets without copying them through JavaScript. */
export interface FileToSocket {
  /**
   * Sends `length` bytes of `fd` from `position` on into `socket`'s
   * connection, behind everything written to the socket before (wait for
   * earlier writes to complete first). Resolves once all of them are in the
   * kernel's send buffer; rejects with a SendfileError whose `code` is the
   * errno's name when the peer went away (EPIPE, ECONNRESET), the file ended
   * first (ENODATA) or `signal` aborted (ECANCELED). `fd` may be closed as
   * soon as this returns; the connection is written only until the promise
   * settles.
   */
  send(socket: Socket, fd: number, position: number, length: number, signal: AbortSignal): Promise<void>;
}

/** The native module's surface (native/sendfile/src/sendfile.c). */
interface SendfileBinding {
  start(socketFd: number, fileFd: number, position: number, length: number, done: (errno: number, sent: number) => void): object;
  cancel(transfer: object): void;
}

/**
 * Loads the native module; null when it is not there (it is an optional
 * dependency) or cannot be loaded on this system.
 */
export function loadFileToSocket(): FileToSocket | null {
  let binding: SendfileBinding;
  try {
    binding = createRequire(import.meta.url)('@gitgate/sendfile') as SendfileBinding;
  } catch {
    return null;
  }
  return {
    send(socket, fd, position, length, signal) {
      const socketFd = socketDescriptor(socket);
      if (socketFd === null) return Promise.reject(new Error('not a connection with a descriptor of its own'));
      if (signal.aborted) return Promise.reject(new SendfileError(os.constants.errno.ECANCELED, 0, length));
      return new Promise((resolve, reject) => {
        const stop = (): void => binding.cancel(transfer);
        const transfer = binding.start(socketFd, fd, position, length, (errno, sent) => {
          signal.removeEventListener('abort', stop);
          if (errno === 0) resolve();
          else reject(new SendfileError(errno, sent, length));
        });
        signal.addEventListener('abort', stop, { once: true });
      });
    },
  };
}

/**
 * The descriptor of a plain TCP (or Unix socket) connection, from Node's
 * handle; null for anything else (a TLS socket, whose bytes must be
 * encrypted on their way, a closed socket, a stream standing in for one).
 */
export function socketDescriptor(socket: Socket): number | null {
  // Node exposes the descriptor only on its (undocumented but long-stable) handle.
  const handle = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle;
  const fd = handle?.fd;
  if ('encrypted' in socket || typeof fd !== 'number' || fd < 0) return null;
  return fd;
}

/** A transfer that stopped short: the errno's name in `code`, and how many bytes went out before it stopped. */
export class SendfileError extends Error {
  readonly code: string;
  constructor(
    readonly errno: number,
    readonly sent: number,
    length: number,
  ) {
    // libuv's error numbers are the negated errno values on Unix.
    const code = getSystemErrorName(-errno);
    super(`sendfile stopped after ${sent} of ${length} bytes: ${code}`);
    this.code = code;
  }
}
