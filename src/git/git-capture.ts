/**
 * Runs one short git command to completion and keeps its whole output, for
 * answers that are small enough to hold in memory (ref advertisements).
 */
import { spawnGitChild, succeeded, type GitChildOptions, type GitChildSpec } from './git-child.js';

/** What a captured run produced. */
export interface Captured {
  /** True when git exited 0. */
  ok: boolean;
  /** git's stdout, or null when it was longer than the limit (and dropped). */
  output: Buffer | null;
}

/**
 * Runs `spec` with `stdin` (or /dev/null) as input; kills git's group after
 * `timeoutMs`. Never rejects: a git that cannot start is `{ ok: false }`.
 */
export async function captureGit(
  options: GitChildOptions,
  spec: Omit<GitChildSpec, 'withStdin'>,
  stdin: Buffer | null,
  limits: { maxBytes: number; timeoutMs: number },
): Promise<Captured> {
  let child;
  try {
    child = spawnGitChild(options, { ...spec, withStdin: stdin !== null });
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
