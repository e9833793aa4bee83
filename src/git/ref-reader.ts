/**
 * Reads a repository's branches and tags for the API with `git for-each-ref`:
 * a fixed number of git runs per question (never one per ref), each through
 * the backend's launcher with git's fixed environment (see spawnGit), bounded
 * in time and output, a few at a time. Callers authorize before asking and
 * pass the repository path of their grant.
 */
import { UnavailableError } from '../lib/errors.js';
import { captureGitProcess } from './git-capture.js';
import type { GitChildOptions } from './git-child.js';
import { detailsFormat, type RefDetails } from './ref-format.js';

/** A ref in a listing: its full name and the object it points at. */
export interface ListedRef {
  refname: string;
  objectId: string;
}

/** Orders git can list refs in (`--sort` keys; `-` for descending). */
export type RefOrder =
  | 'refname'
  | '-refname'
  | 'committerdate'
  | '-committerdate'
  | 'creatordate'
  | '-creatordate'
  | 'version:refname'
  | '-version:refname';

export interface RefReaderOptions extends GitChildOptions {
  /** Longest one git run may take before it is killed (the request then fails). */
  timeoutMs: number;
  /** git runs at once; more wait their turn (default 8). */
  maxConcurrent?: number;
  /** Largest output of one run (default 64 MiB); a longer one fails the request. */
  maxOutputBytes?: number;
}

/** The namespaces refs are listed from. */
export type RefKind = 'branches' | 'tags';

const PREFIX: Record<RefKind, string> = { branches: 'refs/heads', tags: 'refs/tags' };

export class RefReader {
  readonly #maxConcurrent: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(private readonly options: RefReaderOptions) {
    this.#maxConcurrent = options.maxConcurrent ?? 8;
  }

  /**
   * Every branch or tag, in `order` (then by name, so pages are stable).
   * @throws UnavailableError when git fails.
   */
  async list(repoPath: string, kind: RefKind, order: RefOrder): Promise<ListedRef[]> {
    const tieBreak = order.replace(/^-/, '') === 'refname' ? [] : ['--sort=refname'];
    const output = await this.#run(repoPath, ['for-each-ref', '--format=%(refname)%00%(objectname)', ...tieBreak, `--sort=${order}`, PREFIX[kind]]);
    return output
      .toString('utf8')
      .split('\n')
      .flatMap((line) => {
        const [refname, objectId] = line.split('\0');
        return refname && objectId ? [{ refname, objectId }] : [];
      });
  }

  /**
   * Details of the refs named in full (`refs/heads/main`); names that are
   * not refs of the repository are absent from the answer. One git run.
   * @throws UnavailableError when git fails.
   */
  async details(repoPath: string, refnames: readonly string[]): Promise<Map<string, RefDetails>> {
    if (refnames.length === 0) return new Map();
    const { format, parse } = detailsFormat();
    const found = parse(await this.#run(repoPath, ['for-each-ref', `--format=${format}`, ...refnames]));
    // A pattern also matches refs below it (`refs/heads/a` → `refs/heads/a/b`): keep exact names only.
    return new Map([...found].filter(([name]) => refnames.includes(name)));
  }

  /**
   * Which of `refnames` point at commits reachable from `commitId` (merged
   * into it, as `git branch --merged`). One git run.
   * @throws UnavailableError when git fails.
   */
  async mergedInto(repoPath: string, commitId: string, refnames: readonly string[]): Promise<Set<string>> {
    if (refnames.length === 0) return new Set();
    if (!/^[0-9a-f]{40,64}$/.test(commitId)) throw new Error(`not an object id: ${commitId}`);
    const output = await this.#run(repoPath, ['for-each-ref', `--merged=${commitId}`, '--format=%(refname)', ...refnames]);
    return new Set(output.toString('utf8').split('\n').filter((name) => refnames.includes(name)));
  }

  async #run(repoPath: string, args: string[]): Promise<Buffer> {
    await this.#turn();
    try {
      const captured = await captureGitProcess(
        this.options,
        // Every pattern starts with `refs/`: none can be taken for an option.
        { args: ['--git-dir', repoPath, ...args], cwd: repoPath, gitProtocol: null },
        null,
        { maxBytes: this.options.maxOutputBytes ?? 64 * 1024 * 1024, timeoutMs: this.options.timeoutMs },
      );
      if (!captured.ok || !captured.output) throw new UnavailableError('git could not read the repository');
      return captured.output;
    } finally {
      this.#release();
    }
  }

  async #turn(): Promise<void> {
    if (this.#running < this.#maxConcurrent) {
      this.#running++;
      return;
    }
    // The slot is handed over by #release without going through zero.
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#running--;
  }
}
