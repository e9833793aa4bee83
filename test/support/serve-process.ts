/**
 * `gitgate serve` (from the sources, see test/support/gitgate-source) in a
 * process of its own, as a supervisor runs it:
 * its standard error, whether and how it exited, and a SIGKILL for a
 * process that never does (so a failing test leaves nothing behind).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import path from 'node:path';

/** The command line run from the TypeScript sources, from any working directory. */
export const BIN = path.resolve('test/support/gitgate-source');

/** How a process ended: its status, or null and the signal that ended it. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running (or finished) `gitgate serve`. */
export interface ServeProcess {
  child: ChildProcess;
  /** Everything written to standard error so far. */
  stderr(): string;
  /** Resolves when the process has exited. */
  exited: Promise<Exit>;
  /** Resolves once `text` appears on standard error; rejects if the process exits first or `timeoutMs` passes. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  /** The exit, or null when it is still running after `timeoutMs` (then it is killed). */
  exitWithin(timeoutMs: number): Promise<Exit | null>;
  /** SIGTERM, then SIGKILL after 10 s; resolves once it exited. */
  stop(): Promise<Exit>;
}

/** A minimal environment plus `env`; HOME is a harmless directory. */
export function serveEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.TMPDIR ?? '/tmp', LOG_LEVEL: 'warn', GITGATE_SEED_DEMO: 'false', ...env };
}

/** Starts `gitgate serve` (or `options.bin`, e.g. the compiled bin/gitgate) with exactly `env` (see serveEnv). */
export function startServe(env: NodeJS.ProcessEnv, options: { cwd?: string; args?: string[]; bin?: string } = {}): ServeProcess {
  const child = spawn(options.bin ?? BIN, options.args ?? ['serve'], { env, cwd: options.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let done = false;
  void exited.then(() => (done = true));
  const kill = (signal: NodeJS.Signals): void => {
    if (!done) child.kill(signal);
  };
  return {
    child,
    stderr: () => stderr,
    exited,
    waitFor: (text, timeoutMs = 30_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`no "${text}" within ${timeoutMs} ms:\n${stderr}`)), timeoutMs);
        const check = (): void => {
          if (stderr.includes(text)) finish(null);
        };
        const finish = (error: Error | null): void => {
          clearTimeout(timer);
          child.stderr!.off('data', check);
          if (error) reject(error);
          else resolve();
        };
        child.stderr!.on('data', check);
        void exited.then((exit) => finish(stderr.includes(text) ? null : new Error(`exited (${exit.code ?? exit.signal}) before "${text}":\n${stderr}`)));
        check();
      }),
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
