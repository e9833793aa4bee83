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
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { spawnGitChild, type GitChildOptions } from '../git-child.js';
import { RepositoryIdentities } from '../repository-identity.js';
import type { RefStates } from '../ref-state.js';
import { CacheEntry } from './cache-entry.js';
import { EntryReader } from './entry-reader.js';

/** Limits and place of the cache. */
export interface FetchCacheOptions extends GitChildOptions {
  /** Directory of the entries' files; created (0700) when missing, stale entries removed. */
  dir: string;
  /** Bytes of finished entries kept; least recently used ones go first. */
  maxBytes: number;
  /** Age after which an entry is not served any more. */
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

const FILE_PATTERN = /^[0-9a-f]{64}\.\d+\.answer$/;

/**
 * The cache. `open` hands out a stream of the answer or null; see the file
 * comment for what the key covers.
 *
 * @example
 * const answer = fetches.open(grant.repoPath, 'version=2', body);
 * if (answer) await pipeline(answer, res); else await runGitService(...);
 */
export class FetchResponseCache {
  readonly #entries = new Map<string, CacheEntry>();
  /** Finished entries counted in #keptBytes. */
  readonly #kept = new Set<CacheEntry>();
  readonly #tooLong = new LRUCache<string, true>({ max: 1000 });
  readonly #identities: RepositoryIdentities;
  readonly #maxEntryBytes: number;
  readonly #now: () => number;
  readonly #stats: FetchCacheStats = { hits: 0, shared: 0, runs: 0, stored: 0, discarded: 0, bypasses: 0 };
  #keptBytes = 0;
  #sequence = 0;

  constructor(private readonly options: FetchCacheOptions) {
    this.#identities = new RepositoryIdentities(options, options.refStates);
    this.#maxEntryBytes = Math.floor(options.maxBytes / 2);
    this.#now = options.now ?? Date.now;
    fs.mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    // Entries are not remembered across restarts; only files named like ours are removed.
    for (const name of fs.readdirSync(options.dir)) {
      if (FILE_PATTERN.test(name)) fs.rmSync(path.join(options.dir, name), { force: true });
    }
  }

  get stats(): Readonly<FetchCacheStats> {
    return { ...this.#stats };
  }

  /** Bytes of finished entries on disk. */
  get keptBytes(): number {
    return this.#keptBytes;
  }

  /**
   * The answer of `git upload-pack --stateless-rpc` on `repoPath` with
   * `GIT_PROTOCOL=gitProtocol` to the fresh fetch `request` (decoded), as a
   * stream that fails if git does; or null when the caller must run git
   * itself. The stream must be consumed or destroyed.
   */
  open(repoPath: string, gitProtocol: string | null, request: Buffer): Readable | null {
    const identity = this.#identities.read(repoPath, true);
    // Unsettled refs: two different states can look alike, so nothing is shared.
    if (!identity?.settled) return this.#bypass();
    const asked = createHash('sha256').update(`${gitProtocol ?? ''}\0`).update(request).digest('hex');
    const key = entryKey(identity.digest, asked);
    if (this.#tooLong.has(key)) return this.#bypass();
    let entry = this.#entries.get(key);
    if (entry && (entry.state === 'failed' || this.#now() - entry.createdAt > this.options.maxAgeMs)) {
      this.#remove(entry);
      entry = undefined;
    }
    if (entry) {
      this.#entries.delete(key);
      this.#entries.set(key, entry);
      if (entry.state === 'complete') this.#stats.hits++;
      else this.#stats.shared++;
    } else {
      const started = this.#start(key, asked, repoPath, gitProtocol, request);
      if (!started) return this.#bypass();
      entry = started;
    }
    const fd = entry.attach();
    if (fd === null) return this.#bypass();
    return new EntryReader(entry, fd);
  }

  #bypass(): null {
    this.#stats.bypasses++;
    return null;
  }

  #start(key: string, asked: string, repoPath: string, gitProtocol: string | null, request: Buffer): CacheEntry | null {
    this.#removeExpired();
    const file = path.join(this.options.dir, `${key}.${++this.#sequence}.answer`);
    let fd: number;
    try {
      fd = fs.openSync(file, 'wx', 0o600);
    } catch (err) {
      this.options.logger.warn({ err, file }, 'fetch cache: cannot create an entry');
      return null;
    }
    let entry: CacheEntry;
    try {
      const child = spawnGitChild(this.options, { service: 'git-upload-pack', repoPath, advertiseRefs: false, gitProtocol, withStdin: true });
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(request);
      entry = new CacheEntry(key, file, this.#now(), child, fd, this.options.timeoutMs);
    } catch (err) {
      fs.closeSync(fd);
      fs.rmSync(file, { force: true });
      this.options.logger.error({ err, repoPath }, 'git could not be started');
      return null;
    }
    this.#stats.runs++;
    this.#entries.set(key, entry);
    void entry.done.then(() => this.#finished(entry, asked, repoPath));
    return entry;
  }

  #finished(entry: CacheEntry, asked: string, repoPath: string): void {
    if (this.#entries.get(entry.key) !== entry) return;
    if (entry.state === 'failed') {
      const fields = { repoPath, reason: entry.failure, exitCode: entry.exit?.code, signal: entry.exit?.signal, stderr: entry.stderr() || undefined };
      if (entry.failure === 'abandoned') this.options.logger.info(fields, 'git clients went away; git stopped');
      else this.options.logger.warn(fields, 'git failed');
      this.#remove(entry);
      return;
    }
    const identity = this.#identities.read(repoPath, true);
    const unchanged = identity?.settled === true && entryKey(identity.digest, asked) === entry.key;
    if (!unchanged || entry.size > this.#maxEntryBytes) {
      if (entry.size > this.#maxEntryBytes) this.#tooLong.set(entry.key, true);
      this.#stats.discarded++;
      this.#remove(entry);
      return;
    }
    this.#stats.stored++;
    this.#kept.add(entry);
    this.#keptBytes += entry.size;
    this.#evict();
  }

  /** Least recently used finished entries go until the kept bytes fit. */
  #evict(): void {
    for (const entry of this.#entries.values()) {
      if (this.#keptBytes <= this.options.maxBytes) return;
      if (this.#kept.has(entry)) this.#remove(entry);
    }
  }

  #removeExpired(): void {
    const now = this.#now();
    for (const entry of this.#entries.values()) {
      if (this.#kept.has(entry) && now - entry.createdAt > this.options.maxAgeMs) this.#remove(entry);
    }
  }

  /** Forgets `entry` and unlinks its file; readers holding it open read on. */
  #remove(entry: CacheEntry): void {
    if (this.#entries.get(entry.key) === entry) this.#entries.delete(entry.key);
    if (this.#kept.delete(entry)) this.#keptBytes -= entry.size;
    fs.rm(entry.file, { force: true }, () => undefined);
  }
}

function entryKey(identity: string, asked: string): string {
  return createHash('sha256').update(`${identity}\0${asked}`).digest('hex');
}
