/**
 * One running spawner helper process (spawner-process.mjs) and the git
 * processes it runs for this gateway.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { GitChild, GitCommand } from '../git-child.js';
import { RemoteGit, type HelperLink } from './remote-git.js';
import type { FromHelper, ToHelper } from './spawner-protocol.js';

/** How a helper is started. */
export interface HelperStartOptions {
  /** The helper script. */
  script: string;
  /** Where its private socket directory is created. */
  tmpDir: string;
  /** Longest wait for it to listen. */
  startTimeoutMs: number;
}

/** How the helper process ended. */
export interface HelperExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A helper process: forked on plain `node` (no tsx loader, an empty
 * environment — no GITGATE_SECRET, DATABASE_URL, REDIS_URL…), listening on
 * a Unix socket in a directory only this user can enter. Messages are
 * dispatched to the RemoteGit they concern; when the helper dies every run
 * still in flight is failed (see RemoteGit.helperGone).
 */
export class SpawnerHelper implements HelperLink {
  readonly socketPath: string;
  /** Resolves once the process is gone and its channel drained; never rejects. */
  readonly gone: Promise<HelperExit>;
  readonly #process: ChildProcess;
  readonly #runs = new Map<string, RemoteGit>();
  #alive = true;
  #onReady: () => void = () => undefined;

  private constructor(child: ChildProcess, dir: string, socketPath: string) {
    this.#process = child;
    this.socketPath = socketPath;
    this.gone = new Promise<HelperExit>((resolve) => {
      const ended = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (!this.#alive) return;
        this.#alive = false;
        for (const run of this.#runs.values()) run.helperGone();
        this.#runs.clear();
        fs.rm(dir, { recursive: true, force: true }, () => resolve({ code, signal }));
      };
      // 'close', not 'exit': the messages it sent before dying have been read.
      child.once('close', ended);
      child.on('error', () => {
        if (child.pid === undefined) ended(null, null);
      });
    });
    child.on('message', (message: FromHelper) => this.#receive(message));
  }

  /**
   * Starts a helper and waits until it listens.
   * @throws when it cannot be forked, exits, or does not listen within `startTimeoutMs`.
   */
  static async start(options: HelperStartOptions): Promise<SpawnerHelper> {
    const dir = await fs.promises.mkdtemp(path.join(options.tmpDir, 'gitgate-spawner-'));
    const socketPath = path.join(dir, 'spawner.sock');
    let child: ChildProcess;
    try {
      child = fork(options.script, [socketPath], {
        execPath: process.execPath,
        execArgv: [],
        env: {},
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        serialization: 'json',
      });
    } catch (err) {
      await fs.promises.rm(dir, { recursive: true, force: true });
      throw err;
    }
    const helper = new SpawnerHelper(child, dir, socketPath);
    try {
      await helper.#ready(options.startTimeoutMs);
    } catch (err) {
      child.kill('SIGKILL');
      await helper.gone;
      throw err;
    }
    // The helper keeps the gateway alive only while git runs through it (see #track).
    child.unref();
    child.channel?.unref();
    return helper;
  }

  get pid(): number | undefined {
    return this.#process.pid;
  }

  /** False once the helper process is gone. */
  get alive(): boolean {
    return this.#alive;
  }

  /** Runs `command` through this helper. */
  launch(command: GitCommand): GitChild {
    const run = new RemoteGit(this, command);
    this.#track(run.id, run);
    return run;
  }

  send(message: ToHelper): void {
    this.#process.send(message, undefined, undefined, () => undefined);
  }

  /**
   * Stops the helper: a `stop` message (it kills what git it still runs and
   * exits; it ignores SIGTERM), SIGKILL after `graceMs`. Resolves once it is
   * gone.
   */
  async stop(graceMs = 2000): Promise<void> {
    if (!this.#alive) return;
    // A message rather than disconnect(): Node never reports 'close' for a child whose channel the parent closed.
    this.send({ type: 'stop' });
    const timer = setTimeout(() => this.#process.kill('SIGKILL'), graceMs);
    await this.gone;
    clearTimeout(timer);
  }

  #ready(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the git spawner did not start within ${timeoutMs} ms`)), timeoutMs);
      this.#onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      void this.gone.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`the git spawner exited at start (code ${code}, signal ${signal})`));
      });
    });
  }

  #receive(message: FromHelper): void {
    if (message.type === 'ready') return this.#onReady();
    const run = this.#runs.get(message.id);
    if (!run) return;
    if (message.type === 'exit' || message.type === 'error') this.#track(message.id, null);
    run.receive(message);
  }

  /** Adds or removes a run; the channel is referenced while there is one, so its end is awaited. */
  #track(id: string, run: RemoteGit | null): void {
    if (run) this.#runs.set(id, run);
    else this.#runs.delete(id);
    if (this.#runs.size > 0) this.#process.channel?.ref();
    else this.#process.channel?.unref();
  }
}
