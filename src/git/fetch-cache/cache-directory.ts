/**
 * Where a FetchResponseCache keeps its files: a directory of its own inside
 * the configured one, so that instances sharing a data directory never see
 * (or remove) each other's entries, and a check that a new entry leaves the
 * file system room to breathe.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const INSTANCE_DIR = /^(.+)\.(\d+)\.[0-9a-f]{16}$/;
/** Free space a new entry must leave: 5 % of the file system, at least this much. */
const MIN_RESERVE_BYTES = 256 * 1024 * 1024;

/** One instance's directory of cache files. */
export class CacheDirectory {
  /** This instance's directory (mode 0700). */
  readonly path: string;
  #sequence = 0;

  /**
   * Creates `root` (0700) when missing and this instance's directory in it,
   * named `<host>.<pid>.<random>`; removes the directories of instances of
   * this host that are no longer running. Nothing else in `root` is touched.
   */
  constructor(root: string) {
    fs.mkdirSync(root, { recursive: true, mode: 0o700 });
    const host = os.hostname().replace(/[^A-Za-z0-9-]/g, '_');
    for (const name of fs.readdirSync(root)) {
      const match = INSTANCE_DIR.exec(name);
      if (match?.[1] === host && !isRunning(Number(match[2]))) fs.rmSync(path.join(root, name), { recursive: true, force: true });
    }
    this.path = path.join(root, `${host}.${process.pid}.${randomBytes(8).toString('hex')}`);
    fs.mkdirSync(this.path, { mode: 0o700 });
  }

  /** A name for a new entry's file; never the name of another entry of this instance. */
  newFile(key: string): string {
    return path.join(this.path, `${key}.${++this.#sequence}`);
  }

  /** True when writing `bytes` more still leaves the reserve free (and when that cannot be told). */
  hasRoomFor(bytes: number): boolean {
    let stats: fs.StatsFs;
    try {
      stats = fs.statfsSync(this.path);
    } catch {
      return true;
    }
    const reserve = Math.max(MIN_RESERVE_BYTES, stats.blocks * stats.bsize * 0.05);
    return stats.bavail * stats.bsize - bytes >= reserve;
  }
}

/**
 * What a clone of `repoPath` will about weigh: the bytes of its packs (git
 * sends packed objects as they are stored). Loose objects are not counted;
 * they are few and small in a repository that git gc keeps.
 */
export function packedBytes(repoPath: string): number {
  const dir = path.join(repoPath, 'objects', 'pack');
  let total = 0;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!name.endsWith('.pack')) continue;
    try {
      total += fs.statSync(path.join(dir, name)).size;
    } catch {
      // Removed by a concurrent repack: its objects are in another pack.
    }
  }
  return total;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
