/**
 * One server-side git process: spawned without a shell, in its own process
 * group, with a minimal environment and a bounded stderr capture — by a
 * GitLauncher (the spawner helper) when one is configured, else directly.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { Readable, type Writable } from 'node:stream';
import type { GitService } from '../identity/git-service.js';
import type { PushSpec } from '../identity/push-protection.js';
import { gitEnvironment } from './git-env.js';
import type { PushChecks } from './push-checks.js';
import { pushHooks } from './push-hooks.js';
import { reportStatusRewriter } from './report-status-rewriter.js';

/** How a git process ended. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when git could not be started at all (e.g. ENOENT), or its spawner died. */
  error?: Error;
}

export interface GitChildOptions {
  gitBin: string;
  envPath: string;
  homeDir: string;
  stderrLimitBytes: number;
  /** Starts git without forking this process (a GitSpawner); absent: git is spawned directly. */
  launcher?: GitLauncher;
  /** Secret push protection: every push's hook asks it; absent: pushes are not scanned. */
  pushChecks?: PushChecks;
}

export interface GitChildSpec {
  service: GitService;
  repoPath: string;
  advertiseRefs: boolean;
  gitProtocol: string | null;
  /** Whether git reads input (the request body) or /dev/null. */
  withStdin: boolean;
  /** For receive-pack: what gitgate's hooks enforce (GitGrant.push); null or absent: not a push. */
  push?: PushSpec | null;
  /** A file git writes its output to instead of a pipe (see GitCommand.stdoutFile). */
  stdoutFile?: string;
}

/** A running git process. */
export interface GitChild {
  /** git's input, or null when git reads /dev/null. Ending it is git's EOF. */
  stdin: Writable | null;
  /** git's output; it ends once every holder of git's stdout closed it (at once when git writes to a file). */
  stdout: Readable;
  /** git's stderr as it comes (it is also captured, see `stderr()`). */
  stderrStream: Readable;
  /** Settles once git and every holder of its stdout are gone; never rejects. */
  exited: Promise<ExitStatus>;
  /** The first `stderrLimitBytes` of git's stderr. */
  stderr(): string;
  /** Signals git's whole process group (its pack-objects, hooks); a no-op once git exited. */
  signal(signal: NodeJS.Signals): void;
}

/** A git invocation other than the smart-HTTP pair (e.g. `upload-pack <repo>` over SSH). */
export interface GitProcessSpec {
  /** Arguments after the git binary; never passed through a shell. */
  args: string[];
  cwd: string;
  gitProtocol: string | null;
  withStdin: boolean;
  /** For a push: what gitgate's hooks enforce (GitGrant.push); null or absent: not a push. */
  push?: PushSpec | null;
  /** See GitCommand.stdoutFile; not for a push (its output is rewritten as it passes). */
  stdoutFile?: string;
}

/** Everything needed to start one git process, environment included. */
export interface GitCommand {
  file: string;
  args: string[];
  cwd: string;
  /** The whole environment of git (see gitEnvironment); nothing is inherited. */
  env: NodeJS.ProcessEnv;
  /** Whether git reads input; otherwise its stdin is /dev/null. */
  withStdin: boolean;
  stderrLimitBytes: number;
  /**
   * An existing file git writes its output to, from its start, instead of a
   * pipe to this process: opened for writing, never created, truncated or
   * followed through a symbolic link. GitChild.stdout is then empty; the
   * output is read from the file. git writes a regular file without any
   * copy through this process, which is what makes a run's kept answer
   * (the fetch cache) cheap.
   */
  stdoutFile?: string;
}

/** Starts git processes; must behave like spawnDirect, whatever it does to get there. */
export interface GitLauncher {
  launch(command: GitCommand): GitChild;
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
  return spawnGit(options, {
    args,
    cwd: spec.repoPath,
    gitProtocol: spec.gitProtocol,
    withStdin: spec.withStdin,
    push: spec.push ?? null,
    ...(spec.stdoutFile ? { stdoutFile: spec.stdoutFile } : {}),
  });
}

/**
 * Starts `git <args…>` like spawnGitChild: own process group, minimal
 * environment, bounded stderr. A push runs under gitgate's hooks when it
 * has push rules or push protection is on.
 */
export function spawnGit(options: GitChildOptions, spec: GitProcessSpec): GitChild {
  const ticket = spec.push && options.pushChecks ? options.pushChecks.open(spec.push.context) : null;
  const hooks = spec.push && (spec.push.rules || ticket) ? pushHooks(spec.push.rules, ticket?.env ?? null) : null;
  if (hooks && spec.stdoutFile) {
    hooks.remove();
    ticket?.close();
    throw new Error('a push under gitgate\'s hooks cannot write its output to a file');
  }
  const env = gitEnvironment({ path: options.envPath, home: options.homeDir, gitProtocol: spec.gitProtocol });
  // `git push -o secret_push_protection.skip_all` needs push options advertised, in info/refs too.
  const pushOptions = options.pushChecks && spec.args[0] === 'receive-pack' ? ['-c', 'receive.advertisePushOptions=true'] : [];
  // Housekeeping (src/housekeeping) keeps the repositories: git's own `gc --auto` after a push would
  // detach into the background, outside GitOperations and the housekeeping leases (GitLab turns it off too).
  const autogc = spec.args[0] === 'receive-pack' ? ['-c', 'receive.autogc=false'] : [];
  const command: GitCommand = {
    file: options.gitBin,
    args: [...pushOptions, ...autogc, ...(hooks?.args ?? []), ...spec.args],
    cwd: spec.cwd,
    env: hooks ? { ...env, ...hooks.env } : env,
    withStdin: spec.withStdin,
    stderrLimitBytes: options.stderrLimitBytes,
    ...(spec.stdoutFile ? { stdoutFile: spec.stdoutFile } : {}),
  };
  let child: GitChild;
  try {
    child = options.launcher ? options.launcher.launch(command) : spawnDirect(command);
  } catch (err) {
    ticket?.close();
    hooks?.remove();
    throw err;
  }
  if (!hooks) return child;
  void child.exited.then(() => {
    hooks.remove();
    ticket?.close();
  });
  const stdout = reportStatusRewriter(() => hooks.read());
  child.stdout.on('error', (err) => stdout.destroy(err));
  child.stdout.pipe(stdout);
  return {
    stdin: child.stdin,
    stdout,
    stderrStream: child.stderrStream,
    exited: child.exited,
    stderr: () => child.stderr(),
    signal: (signal) => child.signal(signal),
  };
}

/**
 * Spawns `command` from this process. The fork blocks this process's event
 * loop for a time that grows with its memory; GitSpawner avoids that and
 * falls back to this when it cannot.
 */
export function spawnDirect(command: GitCommand): GitChild {
  const outFd = command.stdoutFile === undefined ? null : openOutputFile(command.stdoutFile);
  let child;
  try {
    child = spawn(command.file, command.args, {
      cwd: command.cwd,
      env: command.env,
      stdio: [command.withStdin ? 'pipe' : 'ignore', outFd ?? 'pipe', 'pipe'],
      // A process group of its own, so one signal also reaches git's children.
      detached: true,
    });
  } finally {
    // git has its own copy of the descriptor (or never started).
    if (outFd !== null) fs.closeSync(outFd);
  }
  const exited = new Promise<ExitStatus>((resolve) => {
    // 'close', not 'exit': every holder of git's pipes is gone too.
    child.once('close', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
  });
  return {
    stdin: child.stdin,
    stdout: child.stdout ?? emptyOutput(),
    stderrStream: child.stderr!,
    exited,
    stderr: captureStderr(child.stderr!, command.stderrLimitBytes),
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

/** Opens GitCommand.stdoutFile for git: an existing file, for writing, never through a symbolic link. */
function openOutputFile(file: string): number {
  return fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW);
}

/** The `stdout` of a git writing to a file: nothing, ended. */
export function emptyOutput(): Readable {
  return Readable.from([]);
}

/** Keeps the first `limitBytes` of `stream` (and consumes it); returns the reader of that text. */
export function captureStderr(stream: Readable, limitBytes: number): () => string {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  stream.on('data', (chunk: Buffer) => {
    const room = limitBytes - keptBytes;
    if (room <= 0) return;
    kept.push(chunk.subarray(0, room));
    keptBytes += Math.min(room, chunk.length);
  });
  stream.on('error', () => undefined);
  return () => Buffer.concat(kept).toString('utf8').trim();
}

/** True when git ran and exited 0. */
export function succeeded(status: ExitStatus): boolean {
  return !status.error && status.code === 0;
}

/**
 * True when git ended by itself on a failure: an exit code, or SIGABRT from
 * a BUG() (git 2.39 aborts on a response-end packet in a v2 request). Before
 * the first byte of its answer to a request body, that is git refusing the
 * request: a malformed pkt-line stream, an unknown command. Other signals
 * (ours, the OOM killer's) are not.
 */
export function refusedByGit(status: ExitStatus): boolean {
  if (status.error) return false;
  if (status.signal !== null) return status.signal === 'SIGABRT';
  return status.code !== null && status.code !== 0;
}
