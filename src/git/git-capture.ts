/**
 * Runs one short git command to completion and keeps its whole output, for
 * answers that are small enough to hold in memory (ref advertisements, ref
 * listings).
 */
import { spawnGit, spawnGitChild, succeeded, type GitChild, type GitChildOptions, type GitChildSpec, type GitProcessSpec } from './git-child.js';

/** What a captured run produced. */
export interface Captured {
  /** True when git exited 0. */
  ok: boolean;
  /** git's stdout, or null when it was longer than the limit (and dropped). */
  output: Buffer | null;
}

/** Bounds of a captured run. */
export interface CaptureLimits {
  maxBytes: number;
  timeoutMs: number;
}

/**
 * Runs the smart-HTTP `spec` with `stdin` (or /dev/null) as input; kills
 * git's group after `timeoutMs`. Never rejects: a git that cannot start is
 * `{ ok: false }`.
 */
export async function captureGit(
  options: GitChildOptions,
  spec: Omit<GitChildSpec, 'withStdin'>,
  stdin: Buffer | null,
  limits: CaptureLimits,
): Promise<Captured> {
  return capture(() => spawnGitChild(options, { ...spec, withStdin: stdin !== null }), stdin, limits);
}

/**
 * Runs `git <spec.args…>` (no shell, git's fixed environment, its own
 * process group) to completion with `stdin` (or /dev/null) as input, like
 * captureGit. Never rejects.
 */
export async function captureGitProcess(
  options: GitChildOptions,
  spec: Omit<GitProcessSpec, 'withStdin'>,
  stdin: Buffer | null,
  limits: CaptureLimits,
): Promise<Captured> {
  return capture(() => spawnGit(options, { ...spec, withStdin: stdin !== null }), stdin, limits);
}

async function capture(start: () => GitChild, stdin: Buffer | null, limits: CaptureLimits): Promise<Captured> {
  let child: GitChild;
  try {
    child = start();
  } catch {
    return { ok: false, output: null };
  }
  const chunks: Buffer[] = [];
  let bytes = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes <= limits.maxBytes) chunks.push(chunk);
  });
  child.stdout.on('error', () => undefined);
  if (stdin) {
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(stdin);
  }
  const timer = setTimeout(() => child.signal('SIGKILL'), limits.timeoutMs);
  const status = await child.exited;
  clearTimeout(timer);
  return { ok: succeeded(status), output: bytes <= limits.maxBytes ? Buffer.concat(chunks) : null };
}
