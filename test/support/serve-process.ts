/**
 * `gitgate serve` (from the sources, see test/support/gitgate-source) in a
 * process of its own, as a supervisor runs it:
 * its output, whether and how it exited, the port it listens on, and a
 * SIGKILL for a process that never exits (so a failing test leaves nothing
 * behind).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import path from 'node:path';

/** The command line run from the TypeScript sources, from any working directory. */
export const BIN = path.resolve('test/support/gitgate-source');

/** The end of the log line (on standard output, pino writes msg last) naming the address the HTTP listener is bound to. */
const LISTENING = '"msg":"gitgate listening"}';
const LISTENING_URL = /"url":"([^"]+)"[^\n]*"msg":"gitgate listening"}/;

/** How a process ended: its status, or null and the signal that ended it. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running (or finished) `gitgate serve`. */
export interface ServeProcess {
  child: ChildProcess;
  /** Everything written to standard error so far: the banner, a failure's line. */
  stderr(): string;
  /** Everything written to standard output so far: the log lines. */
  stdout(): string;
  /** Resolves when the process has exited. */
  exited: Promise<Exit>;
  /** Resolves once `text` appears on standard error or output; rejects if the process exits first or `timeoutMs` passes. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  /**
   * The port its HTTP listener is bound to, from its `gitgate listening`
   * log line (LOG_LEVEL info, as serveEnv sets): start it with PORT 0 and
   * no other process can take the port between choosing and binding it.
   */
  port(timeoutMs?: number): Promise<number>;
  /** The exit, or null when it is still running after `timeoutMs` (then it is killed). */
  exitWithin(timeoutMs: number): Promise<Exit | null>;
  /** SIGTERM, then SIGKILL after 10 s; resolves once it exited. */
  stop(): Promise<Exit>;
}

/** A minimal environment plus `env`; HOME is a harmless directory; PORT 0 binds a free port (see ServeProcess.port). */
export function serveEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.TMPDIR ?? '/tmp', LOG_LEVEL: 'info', GITGATE_SEED_DEMO: 'false', PORT: '0', ...env };
}

/**
 * Starts `gitgate serve` (or `options.bin`, e.g. the compiled bin/gitgate) with exactly `env` (see serveEnv);
 * `detached`: in a process group of its own, led by node (the launcher execs it), like a service's.
 */
export function startServe(env: NodeJS.ProcessEnv, options: { cwd?: string; args?: string[]; bin?: string; detached?: boolean } = {}): ServeProcess {
  const child = spawn(options.bin ?? BIN, options.args ?? ['serve'], { env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached });
  const output = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d: Buffer) => (output.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output.stderr += d.toString()));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let done = false;
  void exited.then(() => (done = true));
  const kill = (signal: NodeJS.Signals): void => {
    if (!done) child.kill(signal);
  };
  const waitFor = (text: string, timeoutMs = 30_000): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const seen = (): boolean => output.stderr.includes(text) || output.stdout.includes(text);
      const timer = setTimeout(() => finish(new Error(`no "${text}" within ${timeoutMs} ms:\n${output.stderr}`)), timeoutMs);
      const check = (): void => {
        if (seen()) finish(null);
      };
      const finish = (error: Error | null): void => {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        child.stderr!.off('data', check);
        if (error) reject(error);
        else resolve();
      };
      child.stdout!.on('data', check);
      child.stderr!.on('data', check);
      void exited.then((exit) => finish(seen() ? null : new Error(`exited (${exit.code ?? exit.signal}) before "${text}":\n${output.stderr}`)));
      check();
    });
  return {
    child,
    stderr: () => output.stderr,
    stdout: () => output.stdout,
    exited,
    waitFor,
    port: async (timeoutMs) => {
      await waitFor(LISTENING, timeoutMs);
      return Number(new URL(LISTENING_URL.exec(output.stdout)![1]!).port);
    },
    exitWithin: async (timeoutMs) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
      const exit = await Promise.race([exited, late]);
      clearTimeout(timer);
      if (exit === null) {
        kill('SIGKILL');
        await exited;
      }
      return exit;
    },
    stop: async () => {
      kill('SIGTERM');
      const timer = setTimeout(() => kill('SIGKILL'), 10_000);
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    },
  };
}

/** A TCP listener this test holds on 127.0.0.1 (a port in use); `close` frees it. */
export async function holdPort(): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A loopback port nothing listens on (taken, then freed). */
export async function closedPort(): Promise<number> {
  const held = await holdPort();
  await held.close();
  return held.port;
}
