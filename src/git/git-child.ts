/**
 * One server-side git process: spawned without a shell, in its own process
 * group, with a minimal environment and a bounded stderr capture.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { GitService } from './git-authorizer.js';
import { gitEnvironment } from './git-env.js';

/** How a git process ended. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when git could not be started at all (e.g. ENOENT). */
  error?: Error;
}

export interface GitChildOptions {
  gitBin: string;
  envPath: string;
  homeDir: string;
  stderrLimitBytes: number;
}

export interface GitChildSpec {
  service: GitService;
  repoPath: string;
  advertiseRefs: boolean;
  gitProtocol: string | null;
  /** Whether git's stdin is a pipe (request body) or /dev/null. */
  withStdin: boolean;
}

/** A running `git <upload-pack|receive-pack> --stateless-rpc`. */
export interface GitChild {
  process: ChildProcess;
  /** Settles once git and every holder of its pipes are gone; never rejects. */
  exited: Promise<ExitStatus>;
  /** The first `stderrLimitBytes` of git's stderr. */
  stderr(): string;
  /** Signals git's whole process group (its pack-objects, hooks). */
  signal(signal: NodeJS.Signals): void;
}

/** A git invocation other than the smart-HTTP pair (e.g. `upload-pack <repo>` over SSH). */
export interface GitProcessSpec {
  /** Arguments after the git binary; never passed through a shell. */
  args: string[];
  cwd: string;
  gitProtocol: string | null;
  withStdin: boolean;
}

/**
 * Starts `git <service minus "git-"> --stateless-rpc [--advertise-refs] <repoPath>`
 * in `repoPath`. May throw synchronously on invalid arguments; a missing
 * binary is reported through `exited` instead.
 */
export function spawnGitChild(options: GitChildOptions, spec: GitChildSpec): GitChild {
  const args = [spec.service.slice('git-'.length), '--stateless-rpc'];
  if (spec.advertiseRefs) args.push('--advertise-refs');
  args.push(spec.repoPath);
  return spawnGit(options, { args, cwd: spec.repoPath, gitProtocol: spec.gitProtocol, withStdin: spec.withStdin });
}

/** Starts `git <args…>` like spawnGitChild: own process group, minimal environment, bounded stderr. */
export function spawnGit(options: GitChildOptions, spec: GitProcessSpec): GitChild {
  const child = spawn(options.gitBin, spec.args, {
    cwd: spec.cwd,
    env: gitEnvironment({ path: options.envPath, home: options.homeDir, gitProtocol: spec.gitProtocol }),
    stdio: [spec.withStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    // A process group of its own, so one signal also reaches git's children.
    detached: true,
  });
  const kept: Buffer[] = [];
  let keptBytes = 0;
  child.stderr!.on('data', (chunk: Buffer) => {
    const room = options.stderrLimitBytes - keptBytes;
    if (room <= 0) return;
    kept.push(chunk.subarray(0, room));
    keptBytes += Math.min(room, chunk.length);
  });
  child.stderr!.on('error', () => undefined);
  const exited = new Promise<ExitStatus>((resolve) => {
    // 'close', not 'exit': every holder of git's pipes is gone too.
    child.once('close', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
  });
  return {
    process: child,
    exited,
    stderr: () => Buffer.concat(kept).toString('utf8').trim(),
    signal(signal) {
      if (!child.pid || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // ESRCH: the group is gone already.
      }
    },
  };
}

/** True when git ran and exited 0. */
export function succeeded(status: ExitStatus): boolean {
  return !status.error && status.code === 0;
}
