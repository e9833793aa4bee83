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
 *
 * On shared storage a stat may be stale (an NFS client's attribute cache)
 * and another host's clock may be ahead or behind; the updates gitgate knows
 * of (RefUpdates: its own pushes and those other instances announce) are
 * therefore part of the state too.
 */
import { createHash } from 'node:crypto';
import fs, { type BigIntStats } from 'node:fs';
import path from 'node:path';
import { statOrNull } from '../lib/stat-sync.js';
import type { RefUpdates } from './ref-updates.js';

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
    /** Known ref updates, mixed into the digest (see RefUpdates); null: timestamps alone. */
    private readonly updates: Pick<RefUpdates, 'stamp'> | null = null,
    /** lstat(2) as this host sees the files (tests stand in another host's attribute cache). */
    private readonly lstat: (file: string) => BigIntStats | null = lstatOrNull,
  ) {}

  /** Default limits and margin, with the known ref updates in every digest. */
  static following(updates: Pick<RefUpdates, 'stamp'>): RefStates {
    return new RefStates(undefined, undefined, undefined, updates);
  }

  /** The state of `repoPath`'s refs now, or null when it cannot be read cheaply. */
  read(repoPath: string): RefState | null {
    const startedAt = this.now();
    const entries: Array<[string, BigIntStats | null]> = FILES.map((name) => [name, this.lstat(path.join(repoPath, name))]);
    for (const tree of TREES) {
      if (!this.#walk(repoPath, tree, entries)) return null;
    }
    const hash = createHash('sha256');
    if (this.updates) hash.update(`updates\0${this.updates.stamp(repoPath)}\n`);
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
    const st = this.lstat(path.join(repoPath, rel));
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
