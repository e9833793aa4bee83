/**
 * CPU of one server's processes from a cpuacct cgroup (cgroup v1, as root):
 * every process of the server's tree is moved into a cgroup of its own, and
 * whatever they fork later is born in it, so `cpuacct.usage` counts every
 * process the server ran — also those nobody waits for. That matters for
 * fcgiwrap, which lets the kernel reap its CGI processes (git http-backend
 * and its git): their times never reach a parent's cutime, so the /proc sum
 * of bench/tree-cpu.ts cannot see them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { descendantsOf } from './proc.js';

const CPUACCT = '/sys/fs/cgroup/cpuacct';

/** One server's cgroup. */
export interface CpuAccount {
  /** CPU seconds (user + system) of every process that ran in the cgroup since it was made. */
  seconds(): number;
  /** Moves what still runs back to the root cgroup and removes the cgroup. */
  remove(): void;
}

/**
 * Moves `roots` and all their descendants into a new cpuacct cgroup named
 * after `name`; null when that cannot be done here (not root, no cgroup v1
 * cpuacct hierarchy).
 */
export function cpuAccount(name: string, roots: readonly number[]): CpuAccount | null {
  const dir = path.join(CPUACCT, `gitgate-bench-${process.pid}-${name}`);
  try {
    if (!fs.existsSync(path.join(CPUACCT, 'cpuacct.usage'))) return null;
    fs.mkdirSync(dir);
  } catch {
    return null;
  }
  const move = (to: string, pids: readonly number[]): void => {
    for (const pid of pids) {
      try {
        fs.writeFileSync(path.join(to, 'cgroup.procs'), `${pid}\n`);
      } catch {
        // The process ended meanwhile.
      }
    }
  };
  try {
    // Parents first: a child forked while we move is born where its parent already is.
    move(dir, roots);
    move(dir, descendantsOf(roots));
  } catch {
    fs.rmdirSync(dir);
    return null;
  }
  return {
    seconds: () => Number(fs.readFileSync(path.join(dir, 'cpuacct.usage'), 'latin1').trim()) / 1e9,
    remove: () => {
      const left = fs.readFileSync(path.join(dir, 'cgroup.procs'), 'latin1').split('\n').filter(Boolean).map(Number);
      move(CPUACCT, left);
      try {
        fs.rmdirSync(dir);
      } catch {
        // A process was still being moved; the empty cgroup is left for the next run's cleanup.
      }
    },
  };
}
