/**
 * The state of a repository's refs, as cheaply as it can be read: the stat
 * identities of every file git reads refs from (files backend: `HEAD`,
 * `packed-refs`, `shallow`, everything under `refs/`; reftable: everything
 * under `reftable/`), without reading any of them.
 *
 * Two equal states mean git would list the same refs — provided no file was
 * changed within the timestamp granularity of the last look. git's own
 * "racy git" rule handles that: a state is *settled* only when every file's
 * ctime is older than a margin, and only settled states may stand for an
 * answer. ctime, unlike mtime, cannot be set by a program, and every ref
 * update that git makes is a lockfile renamed into place (a new inode).
 */
import { createHash } from 'node:crypto';
import fs, { type BigIntStats } from 'node:fs';
import path from 'node:path';
import { statOrNull } from '../lib/stat-sync.js';

/** One reading of a repository's refs. */
export interface RefState {
  /** Digest of every stat identity read; equal digests, same refs. */
  digest: string;
  /** True when every file read is older than the settle margin. */
  settled: boolean;
}

const FILES = ['HEAD', 'packed-refs', 'shallow'];
const TREES = ['refs', 'reftable'];

/**
 * Reads ref states. Repositories with more than `maxEntries` loose refs and
 * directories are not read at all (null): git reads them faster than
 * per-request stat calls would. The calls are synchronous on purpose: a
 * bounded handful of lstat(2) on hot dentries costs microseconds, far less
 * than a round trip through libuv's thread pool per file.
 */
export class RefStates {
  constructor(
    private readonly maxEntries = 512,
    /** Margin past a file's ctime before a state counts as settled (see the file comment). */
    private readonly settleMs = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The state of `repoPath`'s refs now, or null when it cannot be read cheaply. */
  read(repoPath: string): RefState | null {
    const startedAt = this.now();
    const entries: Array<[string, BigIntStats | null]> = FILES.map((name) => [name, lstatOrNull(path.join(repoPath, name))]);
    for (const tree of TREES) {
      if (!this.#walk(repoPath, tree, entries)) return null;
    }
    const hash = createHash('sha256');
    let newest = 0n;
    for (const [name, st] of entries) {
      if (!st) {
        hash.update(`${name}\0-\n`);
        continue;
      }
      hash.update(`${name}\0${st.mode}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}\n`);
      if (st.ctimeNs > newest) newest = st.ctimeNs;
    }
    return {
      digest: hash.digest('base64'),
      settled: Number(newest / 1_000_000n) < startedAt - this.settleMs,
    };
  }

  /** Adds `rel` and everything below it to `entries`; false when there are too many. */
  #walk(repoPath: string, rel: string, entries: Array<[string, BigIntStats | null]>): boolean {
    const st = lstatOrNull(path.join(repoPath, rel));
    entries.push([rel, st]);
    if (!st?.isDirectory()) return true;
    const names = readdirOrEmpty(path.join(repoPath, rel)).sort();
    if (entries.length + names.length > this.maxEntries) return false;
    return names.every((name) => this.#walk(repoPath, `${rel}/${name}`, entries));
  }
}

function lstatOrNull(file: string): BigIntStats | null {
  return statOrNull(file, { bigint: true, lstat: true });
}

function readdirOrEmpty(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
