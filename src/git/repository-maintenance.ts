/**
 * The git commands of repository housekeeping, run in a bare repository on
 * disk. Two tasks, after GitLab's (Gitaly's) housekeeping:
 *
 * - `incremental`: a geometric repack (`git repack -d -l --geometric=2`):
 *   loose objects and the smallest packs are rolled into one new pack so the
 *   pack sizes form a geometric progression; only packs whose every object
 *   is in the new pack are deleted, and loose objects go in whether
 *   reachable or not, so no object is ever dropped. Then `pack-refs` when
 *   there are loose refs, and a split commit-graph layer.
 * - `full`: everything reachable into one pack with a reachability bitmap,
 *   unreachable objects into a cruft pack (`git repack -d -l --cruft
 *   --cruft-expiration=2.weeks.ago -b`: the grace period of `git gc`, so an
 *   object a push under way still needs is never deleted), `pack-refs`, and
 *   one rewritten commit-graph with changed-path Bloom filters.
 *
 * Concurrent readers are safe by git's design: a new pack is complete and
 * renamed into place before any old one is deleted, a reader holding an
 * old pack open keeps reading it, and one that finds it gone rescans the
 * pack directory. `-n` leaves `info/refs` alone (no dumb HTTP here), and
 * nothing writes the repository's `config`, so the fetch and answer caches'
 * keys (config digest, ref files) change only when `pack-refs` moves refs.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { gitEnvironment } from './git-env.js';

/** What a housekeeping run does: see the file comment. */
export type MaintenanceTask = 'incremental' | 'full';

/** What one run did, for the log and the caller. */
export interface MaintenanceReport {
  task: MaintenanceTask;
  /** Packs and loose objects before and after. */
  before: ObjectCounts;
  after: ObjectCounts;
  /** Whether loose refs were packed (which changes the ref files the caches key on). */
  packedRefs: boolean;
  durationMs: number;
}

/** Packs and loose objects of a repository (`git count-objects -v` without running git). */
export interface ObjectCounts {
  packs: number;
  looseObjects: number;
}

export interface RepositoryMaintenanceOptions {
  gitBin: string;
  envPath: string;
  homeDir: string;
  /** Longest one git command may take (default an hour). */
  timeoutMs?: number;
  /** A push quarantine older than this is taken for a crashed push's leftover (default the git timeout). */
  staleQuarantineMs?: number;
  now?: () => number;
}

/** Longest one maintenance command may take when not configured. */
const DEFAULT_TIMEOUT_MS = 3_600_000;
const STDERR_LIMIT = 64 * 1024;

/** Runs housekeeping tasks with git's fixed environment; never through a shell. */
export class RepositoryMaintenance {
  readonly #timeoutMs: number;
  readonly #staleMs: number;
  readonly #now: () => number;

  constructor(private readonly options: RepositoryMaintenanceOptions) {
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#staleMs = options.staleQuarantineMs ?? this.#timeoutMs;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Whether a push to `repoPath` is receiving objects now, on any instance
   * sharing the storage: receive-pack keeps what it receives in a
   * quarantine directory (`objects/tmp_objdir-incoming-*`) until the refs
   * are updated. One older than the stale age is a crashed push's leftover.
   */
  pushReceiving(repoPath: string): boolean {
    const objects = path.join(repoPath, 'objects');
    let names: string[];
    try {
      names = fs.readdirSync(objects);
    } catch {
      return false;
    }
    const cutoff = this.#now() - this.#staleMs;
    return names.some((name) => {
      if (!name.startsWith('tmp_objdir-incoming-')) return false;
      try {
        return fs.statSync(path.join(objects, name)).mtimeMs > cutoff;
      } catch {
        return false;
      }
    });
  }

  /** Counts packs and loose objects by listing `objects/` (runs no git). */
  counts(repoPath: string): ObjectCounts {
    const objects = path.join(repoPath, 'objects');
    const packs = listOrEmpty(path.join(objects, 'pack')).filter((n) => n.endsWith('.pack')).length;
    let looseObjects = 0;
    for (const dir of listOrEmpty(objects)) {
      if (/^[0-9a-f]{2}$/.test(dir)) looseObjects += listOrEmpty(path.join(objects, dir)).length;
    }
    return { packs, looseObjects };
  }

  /**
   * Runs `task` in the bare repository `repoPath`; `signal` stops it (git is
   * signalled and cleans up after itself; the repository stays whole).
   * @throws Error naming the git command that failed (with git's stderr, which holds no secret: no credential reaches these commands).
   */
  async run(repoPath: string, task: MaintenanceTask, signal?: AbortSignal): Promise<MaintenanceReport> {
    const started = this.#now();
    this.#clearLeftovers(repoPath);
    const before = this.counts(repoPath);
    if (task === 'full') {
      await this.#git(repoPath, ['repack', '-d', '-l', '-n', '-q', '--cruft', '--cruft-expiration=2.weeks.ago', '-b'], signal);
    } else {
      await this.#git(repoPath, ['repack', '-d', '-l', '-n', '-q', '--geometric=2'], signal);
    }
    const packedRefs = hasLooseRefs(path.join(repoPath, 'refs'));
    if (packedRefs) await this.#git(repoPath, ['pack-refs', '--all'], signal);
    const graph = task === 'full' ? ['--split=replace'] : ['--split'];
    await this.#git(repoPath, ['commit-graph', 'write', '--reachable', '--changed-paths', ...graph], signal);
    return { task, before, after: this.counts(repoPath), packedRefs, durationMs: this.#now() - started };
  }

  /** Runs git in a process group of its own, so a timeout or `signal` stops its children (pack-objects) too. */
  #git(repoPath: string, args: string[], signal?: AbortSignal): Promise<void> {
    const { gitBin, envPath, homeDir } = this.options;
    if (signal?.aborted) return Promise.reject(new Error(`git ${args[0]} not started: stopping`));
    return new Promise((resolve, reject) => {
      const child = spawn(gitBin, args, {
        cwd: repoPath,
        env: { ...gitEnvironment({ path: envPath, home: homeDir, gitProtocol: null }), GIT_DIR: repoPath },
        stdio: ['ignore', 'ignore', 'pipe'],
        detached: true,
      });
      let stderr = '';
      let stopped: string | null = null;
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < STDERR_LIMIT) stderr += chunk.toString();
      });
      const stop = (why: string): void => {
        stopped ??= why;
        // git removes its temporary files when signalled; whatever a SIGKILL leaves, the next run clears.
        signalGroup(child.pid, 'SIGTERM');
      };
      const timer = setTimeout(() => stop(`timed out after ${this.#timeoutMs} ms`), this.#timeoutMs);
      const onAbort = (): void => stop('stopping');
      signal?.addEventListener('abort', onAbort, { once: true });
      child.once('error', (err) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        reject(new Error(`git ${args[0]} could not start: ${err.message}`, { cause: err }));
      });
      child.once('close', (code, sig) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (code === 0 && !stopped) return resolve();
        const why = stopped ?? (stderr.trim().slice(0, 2000) || `exit ${code ?? sig}`);
        reject(new Error(`git ${args[0]} failed: ${why}`));
      });
    });
  }

  /** Removes what a git killed mid-write left in `objects/pack` (git's own `prune` does so too), once older than the stale age. */
  #clearLeftovers(repoPath: string): void {
    const dir = path.join(repoPath, 'objects', 'pack');
    const cutoff = this.#now() - this.#staleMs;
    for (const name of listOrEmpty(dir)) {
      if (!name.startsWith('tmp_') && !name.startsWith('.tmp-')) continue;
      const file = path.join(dir, name);
      try {
        if (fs.statSync(file).mtimeMs < cutoff) fs.rmSync(file, { force: true });
      } catch {
        // Gone already.
      }
    }
  }
}

/** True when any file lies under `dir` (a loose ref: `refs/` holds only ref files and their directories). */
function hasLooseRefs(dir: string): boolean {
  for (const entry of listEntries(dir)) {
    if (entry.isFile()) return true;
    if (entry.isDirectory() && hasLooseRefs(path.join(dir, entry.name))) return true;
  }
  return false;
}

function listEntries(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

function listOrEmpty(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone.
  }
}
