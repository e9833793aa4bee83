/**
 * Protocol v2 `info/refs` answered without running git.
 *
 * In v2 the `info/refs` answer is only the capability advertisement
 * (gitprotocol-v2(5)); refs come later, through `ls-refs`. git 2.39's
 * serve.c builds it from: the git binary (agent=git/<version>), the
 * repository's configuration (lsrefs.unborn, uploadpack.allowFilter,
 * allowRefInWant, allowSidebandAll, blobPackfileUri, extensions.objectFormat,
 * transfer.advertiseSID; newer gits add transfer.advertiseObjectInfo,
 * uploadpack.advertiseBundleURIs, promisor.*), the environment (fixed by
 * gitEnvironment) and `GIT_PROTOCOL`. So an answer git produced is reused,
 * byte for byte, for as long as all of those are unchanged: the key holds the
 * binary's fingerprint, a digest of the bytes of the repository's `config`
 * (see ConfigSnapshots), the
 * repository owner (newer gits refuse repositories of other users) and the
 * `Git-Protocol` value. Configurations that read other files (`[include]`,
 * `[includeIf]`, worktree config) or that make every answer different
 * (`transfer.advertiseSID`: a per-process session id) are never cached.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { LRUCache } from 'lru-cache';
import { ConfigSnapshots } from './config-snapshots.js';
import { binaryFingerprint, resolveGitBinary } from './git-binary.js';
import { spawnGitChild, succeeded, type GitChildOptions } from './git-child.js';

/** How the cache runs git to fill itself. */
export interface V2AdvertisementCacheOptions extends GitChildOptions {
  /** Longest a fill may take before git is killed and the request served the usual way. */
  timeoutMs: number;
  /** Distinct answers kept (default 1000; repositories with equal configs share one). */
  maxEntries?: number;
}

/** Counters, for tests and metrics. */
export interface V2AdvertisementCacheStats {
  hits: number;
  /** Answers git produced and the cache stored. */
  fills: number;
  /** Requests the cache declined (uncacheable config, git failed): git serves them. */
  bypasses: number;
}

const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * Answers protocol v2 `info/refs` from git's own earlier output (see the
 * file comment for what the key covers). One git run per distinct key,
 * concurrent first requests included; callers authorize before asking.
 *
 * @example
 * const cached = await cache.advertisement(grant.repoPath, 'version=2');
 * if (cached) res.end(cached); else await runGitService(...);
 */
export class V2AdvertisementCache {
  readonly #entries: LRUCache<string, Buffer>;
  readonly #filling = new Map<string, Promise<Buffer | null>>();
  readonly #binary: string | null;
  readonly #configs = new ConfigSnapshots();
  readonly #stats: V2AdvertisementCacheStats = { hits: 0, fills: 0, bypasses: 0 };

  constructor(private readonly options: V2AdvertisementCacheOptions) {
    this.#entries = new LRUCache({ max: options.maxEntries ?? 1000 });
    this.#binary = resolveGitBinary(options.gitBin, options.envPath);
  }

  get stats(): Readonly<V2AdvertisementCacheStats> {
    return { ...this.#stats };
  }

  /**
   * The exact bytes `git upload-pack --stateless-rpc --advertise-refs`
   * writes for `repoPath` with `GIT_PROTOCOL=gitProtocol` (a v2 request),
   * or null when the caller must run git itself.
   */
  async advertisement(repoPath: string, gitProtocol: string): Promise<Buffer | null> {
    const key = await this.#key(repoPath, gitProtocol);
    if (key === null) return this.#bypass();
    const hit = this.#entries.get(key);
    if (hit) {
      this.#stats.hits++;
      return hit;
    }
    let filling = this.#filling.get(key);
    if (!filling) {
      filling = this.#fill(key, repoPath, gitProtocol).finally(() => this.#filling.delete(key));
      this.#filling.set(key, filling);
    }
    return (await filling) ?? this.#bypass();
  }

  #bypass(): null {
    this.#stats.bypasses++;
    return null;
  }

  async #key(repoPath: string, gitProtocol: string): Promise<string | null> {
    if (!this.#binary) return null;
    const [config, repo, binary] = await Promise.all([
      this.#configs.read(path.join(repoPath, 'config')),
      fs.stat(repoPath).catch(() => null),
      binaryFingerprint(this.#binary),
    ]);
    if (!config?.cacheable || !repo || !binary) return null;
    return createHash('sha256').update(`${binary}\0${repo.uid}\0${gitProtocol}\0${config.digest}`).digest('base64');
  }

  async #fill(key: string, repoPath: string, gitProtocol: string): Promise<Buffer | null> {
    const answer = await this.#runGit(repoPath, gitProtocol);
    // Stored only if nothing it depends on changed while git ran.
    if (!answer || (await this.#key(repoPath, gitProtocol)) !== key) return answer;
    this.#entries.set(key, answer);
    this.#stats.fills++;
    return answer;
  }

  async #runGit(repoPath: string, gitProtocol: string): Promise<Buffer | null> {
    let child;
    try {
      child = spawnGitChild(this.options, { service: 'git-upload-pack', repoPath, advertiseRefs: true, gitProtocol, withStdin: false });
    } catch {
      return null;
    }
    const chunks: Buffer[] = [];
    let bytes = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= MAX_ANSWER_BYTES) chunks.push(chunk);
    });
    child.stdout.on('error', () => undefined);
    const timer = setTimeout(() => child.signal('SIGKILL'), this.options.timeoutMs);
    const status = await child.exited;
    clearTimeout(timer);
    if (!succeeded(status) || bytes === 0 || bytes > MAX_ANSWER_BYTES) return null;
    const answer = Buffer.concat(chunks);
    // Belt and braces: an answer that names a session differs on every run.
    return answer.includes('session-id=') ? null : answer;
  }
}
