/**
 * CPU time of a server's whole process tree from /proc, exited processes
 * included: a process's own user + system time, plus the cumulative times
 * of the children it has reaped (which carry their own reaped children's).
 * Summed over the live tree, that is a counter that only grows, so the
 * difference of two readings is the CPU every process of the tree spent in
 * between (once the short-lived ones were reaped).
 */
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { descendantsOf, parentMap } from './proc.js';

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'latin1' }).trim()) || 100;

/** utime + stime + cutime + cstime of `pid` in seconds (0 when it is gone). */
function processCpu(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14–17 of proc(5), counted from the state field (3) here.
    const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((i) => Number(fields[i]));
    return (utime! + stime! + cutime! + cstime!) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** CPU seconds of `roots` and all their descendants, reaped ones included. */
export function treeCpuSeconds(roots: readonly number[]): number {
  const pids = [...roots, ...descendantsOf(roots, parentMap())];
  return pids.reduce((sum, pid) => sum + processCpu(pid), 0);
}

/**
 * Waits (at most `timeoutMs`) until `roots` have no descendants matching
 * `transient` left, so what they ran has been reaped and counted.
 */
export async function settledTree(roots: readonly number[], transient: (comm: string) => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const busy = descendantsOf(roots, parentMap()).some((pid) => transient(comm(pid)));
    if (!busy) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function comm(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'latin1').trim();
  } catch {
    return '';
  }
}
