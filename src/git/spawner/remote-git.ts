/**
 * One git process started by the spawner helper, as the gateway sees it.
 */
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { PassThrough, pipeline, Readable, type Writable } from 'node:stream';
import { captureStderr, emptyOutput, type ExitStatus, type GitChild, type GitCommand } from '../git-child.js';
import type { ConnectionRole, FromHelper, ToHelper } from './spawner-protocol.js';

/** The helper a RemoteGit is run by. */
export interface HelperLink {
  /** The helper's Unix socket. */
  socketPath: string;
  /** Sends over the IPC channel; a closed channel is not an error (the helper's death is reported apart). */
  send(message: ToHelper): void;
}

const noop = (): void => undefined;

/**
 * A GitChild whose process the helper forked: git's stdout and stdin are
 * Unix socket connections made from here — one each, so that a failed write
 * to git (EPIPE, ECONNRESET) never discards output not yet read — and its
 * stderr and exit status arrive as helper messages (see spawner-protocol.ts).
 * With GitCommand.stdoutFile there is no stdout connection: the helper
 * opens the file for git.
 *
 * Input written to `stdin` before the helper confirmed the spawn is held
 * back (the helper would otherwise read it with the header). `stdout` ends
 * cleanly whatever happens to its socket; how the run went is `exited`'s
 * to say. `exited` settles once the helper reported git's end (or died) and
 * the stdout socket is closed, i.e. every holder of git's stdout is gone.
 */
export class RemoteGit implements GitChild {
  readonly id = randomUUID();
  readonly stdin: Writable | null;
  readonly stdout: Readable;
  readonly stderrStream = new Readable({ read: noop });
  readonly exited: Promise<ExitStatus>;
  readonly stderr: () => string;
  readonly #link: HelperLink;
  /** git's stdout, or null when git writes to a file. */
  readonly #out: net.Socket | null;
  readonly #in: net.Socket | null = null;
  readonly #gate: PassThrough | null = null;
  #pid: number | null = null;
  #status: ExitStatus | null = null;
  #outClosed = false;
  #settle: (status: ExitStatus) => void = noop;

  constructor(link: HelperLink, command: GitCommand) {
    this.#link = link;
    this.stderr = captureStderr(this.stderrStream, command.stderrLimitBytes);
    const ended = new Promise<ExitStatus>((resolve) => {
      this.#settle = resolve;
    });
    const out = command.stdoutFile === undefined ? this.#connect('o') : null;
    this.#out = out;
    const outClosed = new Promise<void>((resolve) => {
      if (!out) return resolve();
      out.once('close', () => {
        this.#outClosed = true;
        resolve();
      });
    });
    this.exited = Promise.all([ended, outClosed]).then(([status]) => status);
    this.stdout = out ? endingReader(out) : emptyOutput();
    if (command.withStdin) {
      // allowHalfOpen: ending git's input must leave the socket open until git is done.
      this.#in = this.#connect('i', { allowHalfOpen: true });
      this.#in.resume();
      this.#gate = new PassThrough();
      this.#gate.on('error', noop);
    }
    this.stdin = this.#gate;
    link.send({
      type: 'spawn',
      id: this.id,
      file: command.file,
      args: command.args,
      cwd: command.cwd,
      env: definedOnly(command.env),
      withStdin: command.withStdin,
      ...(command.stdoutFile === undefined ? {} : { stdoutFile: command.stdoutFile }),
    });
  }

  signal(signal: NodeJS.Signals): void {
    if (this.#status) return;
    this.#link.send({ type: 'signal', id: this.id, signal });
  }

  /** Handles a helper message about this run. */
  receive(message: FromHelper): void {
    switch (message.type) {
      case 'spawned':
        this.#pid = message.pid;
        if (this.#gate && this.#in) pipeline(this.#gate, this.#in, noop);
        break;
      case 'stderr':
        this.stderrStream.push(Buffer.from(message.data, 'base64'));
        break;
      case 'exit':
        // Without `spawned` the run was cancelled before git started.
        if (this.#pid === null) this.#out?.destroy();
        this.#finish({ code: message.code, signal: message.signal });
        break;
      case 'error':
        // git never ran: nothing can arrive on stdout any more.
        this.#out?.destroy();
        this.#finish({ code: null, signal: null, error: Object.assign(new Error(message.message), { code: message.code }) });
        break;
    }
  }

  /** The helper died: git's end can no longer be observed, so git is stopped and the run failed. */
  helperGone(): void {
    if (this.#status) return;
    if (this.#pid === null) this.#out?.destroy();
    else if (!this.#out || !this.#outClosed) {
      // Someone still holds git's stdout (or may: a file tells nothing), so the group may have outlived the helper.
      try {
        process.kill(-this.#pid, 'SIGKILL');
      } catch {
        // ESRCH: gone already.
      }
    }
    this.#finish({ code: null, signal: null, error: new Error('the git spawner exited before git did') });
  }

  #finish(status: ExitStatus): void {
    if (this.#status) return;
    this.#status = status;
    // As a ChildProcess does at exit: nobody reads git's input any more.
    this.#gate?.destroy();
    this.#in?.destroy();
    this.stderrStream.push(null);
    this.#settle(status);
  }

  #connect(role: ConnectionRole, options: { allowHalfOpen?: boolean } = {}): net.Socket {
    const socket = net.connect({ path: this.#link.socketPath, ...options });
    socket.write(this.id + role);
    socket.on('error', () => {
      if (this.#pid === null && !this.#status) this.#link.send({ type: 'cancel', id: this.id });
    });
    return socket;
  }
}

/** A reader of `socket` that ends (never errors) when the socket ends, fails or closes. */
function endingReader(socket: net.Socket): Readable {
  let ended = false;
  const reader = new Readable({
    read: () => socket.resume(),
    destroy(err, done) {
      socket.destroy();
      done(err);
    },
  });
  const end = (): void => {
    if (ended) return;
    ended = true;
    if (!reader.destroyed) reader.push(null);
  };
  socket.on('data', (chunk: Buffer) => {
    if (!reader.push(chunk)) socket.pause();
  });
  socket.once('end', end);
  socket.once('close', end);
  return reader;
}

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}
