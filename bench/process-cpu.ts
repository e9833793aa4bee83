/**
 * Server CPU per process tree from Linux procfs: the user + system time of
 * a root process and of every live descendant, each with the time of the
 * children it has already reaped (`cutime`, `cstime`). A git process that
 * ended and was waited for is in its parent's children's time, one that
 * still runs in its own, so nothing is counted twice or lost — as long as
 * every process in the tree is reaped inside it (git's are).
 */
import fs from 'node:fs';
import { descendantsOf } from './proc.js';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** Seconds of CPU used by `root` and its tree so far, reaped children included. */
export function treeCpuSeconds(root: number): number {
  let ticks = 0;
  for (const pid of [root, ...descendantsOf([root])]) ticks += ownAndReapedTicks(pid);
  return ticks / TICKS_PER_SECOND;
}

/** Resolves once no descendant of `root` is a `git` process (the last clone's server side ended), at most `withinMs`. */
export async function gitSettled(root: number, withinMs = 10_000): Promise<void> {
  const deadline = performance.now() + withinMs;
  while (performance.now() < deadline && descendantsOf([root]).some((pid) => commandOf(pid).startsWith('git'))) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function ownAndReapedTicks(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Fields after the command (which may hold spaces): state is field 3, utime 14 … cstime 17.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  } catch {
    return 0;
  }
}

function commandOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'latin1').trim();
  } catch {
    return '';
  }
}
