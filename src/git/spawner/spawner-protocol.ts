/**
 * What the gateway (GitSpawner) and the spawner helper (spawner-process.mjs,
 * which reads these types through JSDoc) say to each other.
 *
 * Per git process the gateway sends a SpawnRequest over the IPC channel and
 * connects to the helper's Unix socket once for git's stdout (unless git
 * writes to a file) and, when git reads input, once more for its stdin.
 * Each connection starts with a header of 37 ASCII bytes: the request id (a
 * 36-character UUID) then the ConnectionRole. The helper passes the accepted
 * sockets to git as its stdout and stdin, so git's data never passes through
 * the helper. Two
 * connections rather than one: a write to a git that stopped reading fails
 * (EPIPE, ECONNRESET), and Node then destroys the whole socket, output not
 * yet read included.
 *
 * Nothing follows the header until the helper answered `spawned` (or the
 * run ended): the helper reads the header with ordinary buffered reads,
 * which would swallow any input sent along with it.
 */

/** Role byte of the connection that becomes git's stdout / stdin. */
export type ConnectionRole = 'o' | 'i';

/** Start git once both connections it needs have arrived. */
export interface SpawnRequest {
  type: 'spawn';
  id: string;
  file: string;
  args: string[];
  cwd: string;
  /** git's whole environment; the helper's own is never inherited. */
  env: Record<string, string>;
  /** Whether an 'i' connection comes; otherwise git's stdin is /dev/null. */
  withStdin: boolean;
  /**
   * An existing file the helper opens (for writing, no create, no truncate,
   * no symbolic link) as git's stdout; no 'o' connection comes then.
   */
  stdoutFile?: string;
}

/**
 * Signal git's process group; a no-op once git exited. Before git started it
 * cancels the run instead, answered by an `exit` carrying the signal.
 */
export interface SignalRequest {
  type: 'signal';
  id: string;
  signal: NodeJS.Signals;
}

/** The gateway gave up on a run (a connection failed): drop it, or kill git if it started. */
export interface CancelRequest {
  type: 'cancel';
  id: string;
}

/**
 * Stop: kill the group of every git still running and exit. The helper
 * ignores SIGTERM and SIGINT, which reach it with the gateway when a whole
 * process group is signalled; this message (or the gateway's disconnection)
 * is what stops it.
 */
export interface StopRequest {
  type: 'stop';
}

export type ToHelper = SpawnRequest | SignalRequest | CancelRequest | StopRequest;

/** The helper listens on its socket. */
export interface ReadyMessage {
  type: 'ready';
}

/** git runs; the helper no longer holds its sockets. */
export interface SpawnedMessage {
  type: 'spawned';
  id: string;
  pid: number;
}

/** A piece of git's stderr (base64: IPC messages are JSON). */
export interface StderrMessage {
  type: 'stderr';
  id: string;
  data: string;
}

/** git exited and its stderr is closed; all its stderr was sent before. */
export interface ExitMessage {
  type: 'exit';
  id: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** git could not be started (ENOENT, a bad cwd, a cancelled or timed-out request). */
export interface SpawnErrorMessage {
  type: 'error';
  id: string;
  message: string;
  code?: string;
}

export type FromHelper = ReadyMessage | SpawnedMessage | StderrMessage | ExitMessage | SpawnErrorMessage;
