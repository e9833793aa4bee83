/**
 * A repository's `config` file as the GitAnswerCache needs it: a
 * digest of its bytes and whether it may be cached at all, read again only
 * when the file's stat identity changes.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { LRUCache } from 'lru-cache';
import { statOrNull } from '../lib/stat-sync.js';

/** What the cache key needs from one version of a config file. */
export interface ConfigSnapshot {
  /** sha256 of the file's bytes. */
  digest: string;
  /** False when git would read other files too, or answer differently every time. */
  cacheable: boolean;
}

// Section names are case-insensitive; `include`/`includeIf` read other files.
const READS_OTHER_FILES = /\[\s*include|worktreeconfig/i;
// transfer.advertiseSID puts a per-process session id into the advertisement.
const VARIES_PER_PROCESS = /advertisesid/i;
const MAX_CONFIG_BYTES = 64 * 1024;

/**
 * Remembers, per file, the snapshot of its last-read bytes under the file's
 * stat identity (device, inode, size, mtime, ctime), so an unchanged file
 * costs one stat(2) instead of open/fstat/read/close.
 */
export class ConfigSnapshots {
  readonly #known: LRUCache<string, { identity: string; snapshot: ConfigSnapshot }>;

  /**
   * @param settleMs A file changed less than this long ago is read every
   *   time (git's "racy" rule: a second write within the timestamp
   *   granularity may leave size and times unchanged).
   */
  constructor(
    maxFiles = 10_000,
    private readonly settleMs = 2000,
    private readonly now: () => number = Date.now,
  ) {
    this.#known = new LRUCache({ max: maxFiles });
  }

  /**
   * The snapshot of `file` as it is now, or null when it is missing or not a
   * file. Synchronous on purpose, as it runs on every request (see
   * lib/stat-sync.ts).
   */
  read(file: string): ConfigSnapshot | null {
    const st = statOrNull(file, { bigint: true });
    if (!st?.isFile()) return null;
    if (st.size > MAX_CONFIG_BYTES) return { digest: '', cacheable: false };
    // Renames (git config's lockfile) change the inode; in-place writes change size or times.
    const identity = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
    const known = this.#known.get(file);
    if (known?.identity === identity) return known.snapshot;
    const bytes = readOrNull(file);
    if (!bytes) return null;
    const text = bytes.toString('latin1');
    const snapshot: ConfigSnapshot = {
      digest: createHash('sha256').update(bytes).digest('base64'),
      cacheable: !READS_OTHER_FILES.test(text) && !VARIES_PER_PROCESS.test(text),
    };
    if (Number(st.ctimeNs / 1_000_000n) < this.now() - this.settleMs) this.#known.set(file, { identity, snapshot });
    return snapshot;
  }
}

function readOrNull(file: string): Buffer | null {
  try {
    return fs.readFileSync(file);
  } catch {
    return null;
  }
}
