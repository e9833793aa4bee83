/**
 * Whole answers of `git upload-pack --stateless-rpc` to fresh fetches
 * (clones; see isFreshFetch), kept on disk and shared: identical requests
 * arriving together — a CI pipeline's jobs cloning the same commit — share
 * one git run, and later ones are answered from its file without running
 * git at all. This is what Gitaly's pack-objects cache does one level lower.
 *
 * The key is the RepositoryIdentity with refs (binary, config, owner, repo
 * path, ref state), `Git-Protocol` and the exact request bytes. An entry is
 * shared only while the ref state is settled (see RefState), and is kept
 * after its run only when the identity is still the same: a push landing
 * while git runs is never hidden from a later request. Callers authorize
 * before asking; the cache never decides who may read a repository.
 *
 * Disk use is bounded by `maxBytes`, counting runs under way: a run starts
 * only when the repository's packs fit in half of it and the file system
 * keeps a reserve (see CacheDirectory); an answer that still grows past half
 * of it is read to its end by those already reading, then dropped, and that
 * repository is left to git for `maxAgeMs`.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { spawnGitChild, type GitChildOptions } from '../git-child.js';
import { RepositoryIdentities } from '../repository-identity.js';
import type { RefStates } from '../ref-state.js';
import { CacheDirectory, packedBytes } from './cache-directory.js';
import { CacheEntry } from './cache-entry.js';
import { EntryReader } from './entry-reader.js';

/** Limits and place of the cache. */
export interface FetchCacheOptions extends GitChildOptions {
  /** Directory in which this instance keeps a directory of its own (see CacheDirectory). */
  dir: string;
  /** Bytes of entries on disk, finished or being written; least recently used ones go first. */
  maxBytes: number;
  /** Time after its run finished that an entry is served. */
  maxAgeMs: number;
  /** Longest one git run may take. */
  timeoutMs: number;
  logger: Logger;
  /** Reads ref states (tests pass one with their own clock). */
  refStates?: RefStates;
  now?: () => number;
}

/** Counters, for tests and metrics. */
export interface FetchCacheStats {
  /** Requests answered from a finished entry. */
  hits: number;
  /** Requests that joined a git run under way. */
  shared: number;
  /** git runs started. */
  runs: number;
  /** Runs that finished and were kept. */
  stored: number;
  /** Runs that finished but were not kept (refs changed meanwhile, too long). */
  discarded: number;
  /** Requests the cache declined: git serves them the usual way. */
  bypasses: number;
}

/** A git run about to start: its entry key, the request's digest, repository, protocol, bytes and logger. */
interface RunRequest {
  key: string;
  asked: string;
  repo: string;
  repoPath: string;
  gitProtocol: string | null;
  request: Buffer;
  logger: Logger;
}

const WRITE_FAILURE_PAUSE_MS = 60_000;
const MAX_ENTRIES = 10_000;
const MAX_RUNS = 16;
/** What an entry costs beyond its bytes: its inode and last block, and its bookkeeping. */
const ENTRY_OVERHEAD_BYTES = 8192;

/**
 * The cache. `open` hands out a reader of the answer or null; see the file
 * comment for what the key covers.
 *
 * @example
 * const reader = fetches.open(grant.repoPath, 'version=2', body);
 * if (reader) await serveCachedFetch(req, res, reader, { contentType, notice }, ctx); else await runGitService(...);
 */
export class FetchResponseCache {
  /** Entries that may be read, least recently used first. */
  readonly #entries = new Map<string, CacheEntry>();
  /** Finished entries counted in #keptBytes. */
  readonly #kept = new Set<CacheEntry>();
  /** Runs under way, with the bytes their repository's packs suggest they will write. */
  readonly #running = new Map<CacheEntry, number>();
  /** Repositories (and protocols) whose clone answers are too long to keep. */
  readonly #tooLong: LRUCache<string, true>;
  readonly #identities: RepositoryIdentities;
  readonly #directory: CacheDirectory;
  readonly #maxEntryBytes: number;
  readonly #now: () => number;
  readonly #stats: FetchCacheStats = { hits: 0, shared: 0, runs: 0, stored: 0, discarded: 0, bypasses: 0 };
  #keptBytes = 0;
  #pausedUntil = 0;

  constructor(private readonly options: FetchCacheOptions) {
    this.#identities = new RepositoryIdentities(options, options.refStates);
    this.#maxEntryBytes = Math.floor(options.maxBytes / 2);
    this.#now = options.now ?? Date.now;
    this.#tooLong = new LRUCache({ max: 1000, ttl: options.maxAgeMs });
    this.#directory = new CacheDirectory(options.dir);
  }

  get stats(): Readonly<FetchCacheStats> {
    return { ...this.#stats };
  }

  /** Bytes charged for finished entries on disk. */
  get keptBytes(): number {
    return this.#keptBytes;
  }

  /** This instance's directory of entries. */
  get directory(): string {
    return this.#directory.path;
  }

  /**
   * The answer of `git upload-pack --stateless-rpc` on `repoPath` with
   * `GIT_PROTOCOL=gitProtocol` to the fresh fetch `request` (decoded), as a
   * reader that fails if git does; or null when the caller must run git
   * itself. The reader must be closed. A git run this request starts logs
   * to `logger` (the request's), also when other requests share it.
   */
  open(repoPath: string, gitProtocol: string | null, request: Buffer, logger: Logger = this.options.logger): EntryReader | null {
    // After a failed write (a full disk, most likely), git serves requests directly for a while.
    if (this.#now() < this.#pausedUntil) return this.#bypass();
    const identity = this.#identities.read(repoPath, true);
    // Unsettled refs: two different states can look alike, so nothing is shared.
    if (!identity?.settled) return this.#bypass();
    const repo = `${repoPath}\0${gitProtocol ?? ''}`;
    if (this.#tooLong.has(repo)) return this.#bypass();
    const asked = createHash('sha256').update(`${gitProtocol ?? ''}\0`).update(request).digest('hex');
    const key = entryKey(identity.digest, asked);
    let entry = this.#entries.get(key);
    const finishedAt = entry?.finishedAt ?? null;
    // A run being stopped (its last reader left, it timed out) is never joined.
    if (entry && (entry.failure !== null || (finishedAt !== null && this.#now() - finishedAt > this.options.maxAgeMs))) {
      this.#remove(entry);
      entry = undefined;
    }
    if (entry) {
      this.#entries.delete(key);
      this.#entries.set(key, entry);
      if (entry.state === 'complete') this.#stats.hits++;
      else this.#stats.shared++;
    }
    const ranGit = !entry;
    entry ??= this.#start({ key, asked, repo, repoPath, gitProtocol, request, logger }) ?? undefined;
    if (!entry) return this.#bypass();
    const fd = entry.attach();
    if (fd === null) {
      entry.cancelIfUnread();
      return this.#bypass();
    }
    return new EntryReader(entry, fd, ranGit);
  }

  #bypass(): null {
    this.#stats.bypasses++;
    return null;
  }

  #start(run: RunRequest): CacheEntry | null {
    const { key, repo, repoPath, gitProtocol, request, logger } = run;
    const estimate = packedBytes(repoPath);
    if (estimate > this.#maxEntryBytes) {
      this.#tooLong.set(repo, true);
      return null;
    }
    if (this.#running.size >= MAX_RUNS || !this.#makeRoom(estimate) || !this.#directory.hasRoomFor(estimate)) return null;
    const file = this.#directory.newFile(key);
    let fd: number;
    try {
      fd = fs.openSync(file, 'wx', 0o600);
    } catch (err) {
      logger.warn({ err, file }, 'fetch cache: cannot create an entry');
      return null;
    }
    let entry: CacheEntry;
    try {
      const child = spawnGitChild(this.options, {
        service: 'git-upload-pack',
        repoPath,
        advertiseRefs: false,
        gitProtocol,
        withStdin: true,
        // git writes the entry itself: relaying its output into the file cost a read and a write per chunk here.
        stdoutFile: file,
      });
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(request);
      entry = new CacheEntry(key, file, child, fd, this.options.timeoutMs, this.#now);
    } catch (err) {
      fs.closeSync(fd);
      fs.rmSync(file, { force: true });
      logger.error({ err, repoPath }, 'git could not be started');
      return null;
    }
    this.#stats.runs++;
    this.#entries.set(key, entry);
    this.#running.set(entry, estimate);
    entry.on('change', () => {
      // Too long to keep: those reading it read on, nobody else joins, the repository is left to git.
      if (entry.state !== 'writing' || entry.size <= this.#maxEntryBytes || this.#entries.get(key) !== entry) return;
      this.#entries.delete(key);
      this.#tooLong.set(repo, true);
    });
    void entry.done.then(() => this.#finished(entry, run));
    return entry;
  }

  #finished(entry: CacheEntry, { asked, repoPath, logger }: RunRequest): void {
    this.#running.delete(entry);
    entry.removeAllListeners('change');
    if (entry.state === 'failed') {
      const fields = { repoPath, reason: entry.failure, exitCode: entry.exit?.code, signal: entry.exit?.signal, stderr: entry.stderr() || undefined };
      if (entry.failure === 'write-failed') {
        this.#pausedUntil = this.#now() + WRITE_FAILURE_PAUSE_MS;
        logger.error({ ...fields, dir: this.#directory.path }, 'fetch cache: writing an answer failed; git answers directly for a minute');
      } else if (entry.failure === 'abandoned') logger.info(fields, 'git clients went away; git stopped');
      else logger.warn(fields, 'git failed');
      this.#remove(entry);
      return;
    }
    const identity = this.#identities.read(repoPath, true);
    const unchanged = identity?.settled === true && entryKey(identity.digest, asked) === entry.key;
    if (!unchanged || this.#entries.get(entry.key) !== entry) {
      this.#stats.discarded++;
      this.#remove(entry);
      return;
    }
    this.#stats.stored++;
    this.#kept.add(entry);
    this.#keptBytes += charged(entry.size);
    this.#makeRoom(0);
  }

  /**
   * Removes expired entries, then least recently used finished ones, until
   * `bytes` more fit in maxBytes beside the kept entries and the runs under
   * way; false when they cannot.
   */
  #makeRoom(bytes: number): boolean {
    const now = this.#now();
    let writing = 0;
    // A run is charged what it will likely write, from its start, so that runs starting together cannot overcommit.
    for (const [entry, estimate] of this.#running) writing += charged(Math.max(entry.size, estimate));
    for (const entry of this.#entries.values()) {
      const expired = entry.finishedAt !== null && now - entry.finishedAt > this.options.maxAgeMs;
      const over = this.#keptBytes + writing + bytes > this.options.maxBytes || this.#entries.size >= MAX_ENTRIES;
      if (this.#kept.has(entry) && (expired || over)) this.#remove(entry);
    }
    return this.#keptBytes + writing + bytes <= this.options.maxBytes;
  }

  /** Forgets `entry` and unlinks its file; readers holding it open read on. */
  #remove(entry: CacheEntry): void {
    if (this.#entries.get(entry.key) === entry) this.#entries.delete(entry.key);
    if (this.#kept.delete(entry)) this.#keptBytes -= charged(entry.size);
    fs.rm(entry.file, { force: true }, () => undefined);
  }
}

function entryKey(identity: string, asked: string): string {
  return createHash('sha256').update(`${identity}\0${asked}`).digest('hex');
}

function charged(size: number): number {
  return size + ENTRY_OVERHEAD_BYTES;
}
