/**
 * Git started from a small helper process instead of from the gateway.
 *
 * Node's spawn() forks, and the fork blocks the event loop for a time that
 * grows with the forking process's memory: ~4 ms per git process at the
 * gateway's usual 150 MB, for every request in flight. The helper
 * (spawner-process.mjs, ~40 MB) forks instead, and hands git the gateway's
 * own socket connections as stdin and stdout.
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { spawnDirect, type GitChild, type GitCommand, type GitLauncher } from '../git-child.js';
import { SpawnerHelper } from './spawner-helper.js';

export interface GitSpawnerOptions {
  logger: Logger;
  /** Longest wait for the helper to listen (default 10 s). */
  startTimeoutMs?: number;
  /** Where the helper's private socket directory is created (default: the OS temp directory). */
  tmpDir?: string;
  /** The helper script (default: spawner-process.mjs beside this file). */
  script?: string;
}

/**
 * A GitLauncher that runs git through the helper. Until `start` resolved,
 * while a helper that died is being replaced (the first launch after the
 * death starts the new one), after `stop`, and for good once a helper could
 * not be started (logged once, at warn), git is spawned directly: the
 * gateway keeps serving either way.
 *
 * @example
 * const spawner = new GitSpawner({ logger });
 * await spawner.start();
 * const child = spawnGit({ gitBin: 'git', envPath, homeDir, stderrLimitBytes: 8192, launcher: spawner }, spec);
 * // at shutdown, once the git operations drained:
 * await spawner.stop();
 */
export class GitSpawner implements GitLauncher {
  readonly #options: GitSpawnerOptions;
  #helper: SpawnerHelper | null = null;
  #starting: Promise<void> | null = null;
  #fallenBack = false;
  #stopped = false;

  constructor(options: GitSpawnerOptions) {
    this.#options = options;
  }

  /** The running helper's pid, or null when there is none. */
  get helperPid(): number | null {
    const helper = this.#helper;
    return helper?.alive && helper.pid !== undefined ? helper.pid : null;
  }

  /** True once a helper could not be started: git is spawned directly from then on. */
  get fallenBack(): boolean {
    return this.#fallenBack;
  }

  /** Starts the helper unless one runs; resolves when it listens or the spawner fell back. Never rejects. */
  start(): Promise<void> {
    if (this.#helper?.alive || this.#fallenBack || this.#stopped) return Promise.resolve();
    this.#starting ??= this.#start().finally(() => {
      this.#starting = null;
    });
    return this.#starting;
  }

  launch(command: GitCommand): GitChild {
    const helper = this.#helper;
    if (helper?.alive) return helper.launch(command);
    void this.start();
    return spawnDirect(command);
  }

  /** Stops the helper (call it once git operations drained); later launches spawn directly. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#starting;
    const helper = this.#helper;
    this.#helper = null;
    await helper?.stop();
  }

  async #start(): Promise<void> {
    const { logger } = this.#options;
    let helper: SpawnerHelper;
    try {
      helper = await SpawnerHelper.start({
        script: this.#options.script ?? fileURLToPath(new URL('./spawner-process.mjs', import.meta.url)),
        tmpDir: this.#options.tmpDir ?? os.tmpdir(),
        startTimeoutMs: this.#options.startTimeoutMs ?? 10_000,
      });
    } catch (err) {
      this.#fallenBack = true;
      logger.warn({ err }, 'git spawner could not start; git is spawned by the gateway itself');
      return;
    }
    if (this.#stopped) return helper.stop();
    this.#helper = helper;
    logger.debug({ pid: helper.pid }, 'git spawner started');
    void helper.gone.then(({ code, signal }) => {
      if (this.#stopped || this.#helper !== helper) return;
      this.#helper = null;
      logger.warn({ pid: helper.pid, code, signal }, 'git spawner exited; the next git process starts a new one');
    });
  }
}
