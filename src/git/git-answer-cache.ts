/**
 * Ref advertisements answered without running git, when git's earlier
 * answer is provably still the answer.
 *
 * Three questions are cached, all `git upload-pack --stateless-rpc`:
 * - the protocol v2 `info/refs` answer: only the capability advertisement
 *   (gitprotocol-v2(5)). git 2.39's serve.c builds it from the git binary
 *   (agent=git/<version>), the repository's configuration (lsrefs.unborn,
 *   uploadpack.allowFilter, allowRefInWant, allowSidebandAll,
 *   blobPackfileUri, extensions.objectFormat, transfer.advertiseSID; newer
 *   gits add transfer.advertiseObjectInfo, uploadpack.advertiseBundleURIs,
 *   promisor.*), the environment (fixed by gitEnvironment) and `GIT_PROTOCOL`;
 * - the protocol v0/v1 `info/refs` answer (`--advertise-refs`): the same
 *   inputs plus the refs, HEAD and the shallow file;
 * - a protocol v2 `command=ls-refs` request: the same inputs as the
 *   advertisement plus the exact request bytes (ref prefixes, peel, symrefs,
 *   unborn).
 *
 * The key therefore holds the RepositoryIdentity (binary, config, owner and —
 * for answers that list refs — the RefState), `Git-Protocol` and the
 * request. An answer is
 * stored only when the key was the same before and after git ran and the ref
 * state was settled (see RefState), so a push landing while git runs, or
 * within the timestamp granularity, is never hidden. Configurations that
 * read other files (`[include]`, `[includeIf]`, worktree config) or that make
 * every answer different (`transfer.advertiseSID`) are never cached.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { captureGit } from './git-capture.js';
import type { GitChildOptions } from './git-child.js';
import type { EndOperation } from './git-operations.js';
import { splitPktLines } from './pkt-line.js';
import type { RefStates } from './ref-state.js';
import { RepositoryIdentities } from './repository-identity.js';

/** A question whose answer may come from the cache. */
export type GitQuestion =
  /** `info/refs?service=git-upload-pack` with this validated `Git-Protocol` (null: v0). */
  | { kind: 'advertisement'; gitProtocol: string | null }
  /** A protocol v2 POST whose whole body (`request`) is one `command=ls-refs`. */
  | { kind: 'ls-refs'; gitProtocol: string; request: Buffer };

/** How the cache runs git to fill itself. */
export interface GitAnswerCacheOptions extends GitChildOptions {
  /** Longest a fill may take before git is killed and the request served the usual way. */
  timeoutMs: number;
  /** Bytes of answers kept in all (default 64 MiB). */
  maxBytes?: number;
  /** Largest single answer kept (default 1 MiB); longer ones are always git's. */
  maxAnswerBytes?: number;
  /** Reads ref states (tests pass one with their own clock). */
  refStates?: RefStates;
}

/** Counters, for tests and metrics. */
export interface GitAnswerCacheStats {
  hits: number;
  /** Answers git produced and the cache stored. */
  fills: number;
  /** Answers git produced that were served but not stored (refs changing meanwhile). */
  unsettled: number;
  /** Requests the cache declined (uncacheable config, git failed, too long): git serves them. */
  bypasses: number;
}

/** The pkt-line a protocol v2 ls-refs request starts with. */
const LS_REFS = Buffer.from('0014command=ls-refs\n');

interface Entry {
  key: string;
  answer: Buffer;
}

/** git's bytes for a question, and whether git ran for them in this call (it filled the cache) or not (kept, or a run under way shared). */
export interface GitAnswer {
  bytes: Buffer;
  ranGit: boolean;
}

/**
 * Answers GitQuestions from git's own earlier output (see the file comment
 * for what the key covers). One git run per distinct key at a time,
 * concurrent first requests included; callers authorize before asking.
 *
 * @example
 * const cached = await cache.answer(grant.repoPath, { kind: 'advertisement', gitProtocol: 'version=2' });
 * if (cached) res.end(cached); else await runGitService(...);
 */
export class GitAnswerCache {
  readonly #entries: LRUCache<string, Entry>;
  readonly #tooLong = new LRUCache<string, true>({ max: 1000 });
  readonly #filling = new Map<string, Promise<Buffer | null>>();
  readonly #identities: RepositoryIdentities;
  readonly #maxAnswerBytes: number;
  readonly #stats: GitAnswerCacheStats = { hits: 0, fills: 0, unsettled: 0, bypasses: 0 };

  constructor(private readonly options: GitAnswerCacheOptions) {
    this.#maxAnswerBytes = options.maxAnswerBytes ?? 1024 * 1024;
    this.#entries = new LRUCache({ maxSize: options.maxBytes ?? 64 * 1024 * 1024, sizeCalculation: (e) => e.answer.length + 256 });
    this.#identities = new RepositoryIdentities(options, options.refStates);
  }

  get stats(): Readonly<GitAnswerCacheStats> {
    return { ...this.#stats };
  }

  /**
   * True when `body` is a request this cache may answer: one whole protocol
   * v2 ls-refs command — well-formed pkt-lines from `command=ls-refs` to the
   * one flush that ends it (gitprotocol-v2(5)).
   */
  static isLsRefs(body: Buffer): boolean {
    if (!body.subarray(0, LS_REFS.length).equals(LS_REFS)) return false;
    const packets = splitPktLines(body);
    return packets !== null && packets.indexOf('flush') === packets.length - 1;
  }

  /**
   * The exact bytes `git upload-pack --stateless-rpc` writes for `question`
   * on `repoPath`, or null when the caller must run git itself.
   */
  async answer(repoPath: string, question: GitQuestion): Promise<Buffer | null> {
    return (await this.lookup(repoPath, question))?.bytes ?? null;
  }

  /**
   * Like answer, and says whether git ran for this call. A fill runs git
   * like any other operation, so it is counted like one: `reserve` is called
   * before each git run this call starts (not for a hit, nor for a run it
   * only waits for) and its result when that run ends; what `reserve` throws
   * (a concurrency limit) rejects the call.
   */
  async lookup(repoPath: string, question: GitQuestion, reserve: () => EndOperation = () => () => undefined): Promise<GitAnswer | null> {
    const found = this.#key(repoPath, question);
    if (!found) return this.#bypass();
    const { key, slot, settled } = found;
    const entry = this.#entries.get(slot);
    if (entry?.key === key) {
      this.#stats.hits++;
      return { bytes: entry.answer, ranGit: false };
    }
    if (this.#tooLong.has(key)) return this.#bypass();
    // A run already under way is shared only when the refs are settled: while
    // they settle, two different states can look alike, and a request must
    // never get an answer that git computed before the request arrived.
    if (!settled) {
      const end = reserve();
      try {
        return answered(await this.#fill(repoPath, question, key, slot, settled), true) ?? this.#bypass();
      } finally {
        end();
      }
    }
    let filling = this.#filling.get(key);
    const ranGit = !filling;
    if (!filling) {
      const end = reserve();
      filling = this.#fill(repoPath, question, key, slot, settled).finally(() => {
        end();
        this.#filling.delete(key);
      });
      this.#filling.set(key, filling);
    }
    return answered(await filling, ranGit) ?? this.#bypass();
  }

  #bypass(): null {
    this.#stats.bypasses++;
    return null;
  }

  #key(repoPath: string, question: GitQuestion): { key: string; slot: string; settled: boolean } | null {
    const listsRefs = question.kind === 'ls-refs' || !isV2(question.gitProtocol);
    const identity = this.#identities.read(repoPath, listsRefs);
    if (!identity) return null;
    const request = question.kind === 'ls-refs' ? createHash('sha256').update(question.request).digest('base64') : '';
    const asked = `${question.kind}\0${question.gitProtocol ?? ''}\0${request}`;
    const key = createHash('sha256').update(`${identity.digest}\0${asked}`).digest('base64');
    // An answer without refs is the same for every repository with this config; one that lists refs has one slot per repository.
    return { key, slot: listsRefs ? `${repoPath}\0${asked}` : key, settled: identity.settled };
  }

  async #fill(repoPath: string, question: GitQuestion, key: string, slot: string, settled: boolean): Promise<Buffer | null> {
    const captured = await captureGit(
      this.options,
      { service: 'git-upload-pack', repoPath, advertiseRefs: question.kind === 'advertisement', gitProtocol: question.gitProtocol },
      question.kind === 'ls-refs' ? question.request : null,
      { maxBytes: this.#maxAnswerBytes, timeoutMs: this.options.timeoutMs },
    );
    if (!captured.ok) return null;
    if (!captured.output) {
      this.#tooLong.set(key, true);
      return null;
    }
    // Belt and braces: an answer that names a session differs on every run.
    if (captured.output.length === 0 || captured.output.includes('session-id=')) return null;
    const after = this.#key(repoPath, question);
    if (settled && after?.key === key) {
      this.#entries.set(slot, { key, answer: captured.output });
      this.#stats.fills++;
    } else {
      // Still a true answer of git's, as of some moment during this request.
      this.#stats.unsettled++;
    }
    return captured.output;
  }
}

function answered(bytes: Buffer | null, ranGit: boolean): GitAnswer | null {
  return bytes ? { bytes, ranGit } : null;
}

function isV2(gitProtocol: string | null): boolean {
  return gitProtocol !== null && gitProtocol.split(':').includes('version=2');
}
