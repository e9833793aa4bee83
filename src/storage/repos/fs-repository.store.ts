/**
 * RepositoryStore on a local (or shared, mounted) filesystem:
 * `<root>/<namespace>/<path>.git`.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, constants, openSync, readSync, realpathSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ConflictError, ValidationError } from '../../lib/errors.js';
import { statOrNull } from '../../lib/stat-sync.js';
import { isValidPathSegment } from '../../lib/path-segment.js';
import { isValidRefName } from '../../lib/ref-name.js';
import type { RepositoryStore } from '../../projects/repository.store.js';

const run = promisify(execFile);

/** Options for the git commands the store runs (`init`, `clone`). */
export interface FsRepositoryStoreOptions {
  /** Branch HEAD names in a new repository (default `main`, like GitLab). */
  defaultBranch?: string;
  /** PATH for git (default: system directories only). */
  envPath?: string;
  /** Longest a create or import may take (default 10 minutes). */
  timeoutMs?: number;
}

/**
 * Bare repositories under `root`. `resolve` runs no git (it is on every git
 * request's path) and caches nothing, so a deleted repository is gone at once.
 * `create` and `importFrom` build the repository under a temporary name in
 * the namespace directory and rename it into place, so a half-made
 * repository is never served and two creators cannot both succeed.
 */
export class FsRepositoryStore implements RepositoryStore {
  readonly root: string;
  readonly #options: Required<FsRepositoryStoreOptions>;

  constructor(
    root: string,
    private readonly gitBin = 'git',
    options: FsRepositoryStoreOptions = {},
  ) {
    this.root = path.resolve(root);
    this.#options = {
      defaultBranch: options.defaultBranch ?? 'main',
      envPath: options.envPath ?? '/usr/local/bin:/usr/bin:/bin',
      timeoutMs: options.timeoutMs ?? 600_000,
    };
  }

  async resolve(namespace: string, project: string): Promise<string | null> {
    if (!isValidPathSegment(namespace) || !isValidPathSegment(project)) return null;
    // Runs on every git request: synchronous on purpose (see lib/stat-sync.ts).
    const realRoot = realpathSyncOrNull(this.root);
    const real = realpathSyncOrNull(this.#location(namespace, project));
    if (!realRoot || !real || !isInside(realRoot, real)) return null;
    return isBareRepository(real) ? real : null;
  }

  async headBranch(namespace: string, project: string): Promise<string | null> {
    const repo = await this.resolve(namespace, project);
    if (!repo) return null;
    const head = readHead(path.join(repo, 'HEAD'));
    const match = head === null ? null : /^ref: refs\/heads\/([^\n]+)\n?$/.exec(head);
    return match && isValidRefName(match[1]!) ? match[1]! : null;
  }

  async create(namespace: string, project: string): Promise<string> {
    return this.#build(namespace, project, (tmp) => [
      'init',
      '--bare',
      '--quiet',
      `--initial-branch=${this.#options.defaultBranch}`,
      '--',
      tmp,
    ]);
  }

  /**
   * Imports with `git clone --mirror --no-local` rather than a file copy:
   * only objects and refs travel, through git's own transport, so the
   * source's hooks and config (which would run or apply on our server) stay
   * behind, and symlinks or hardlinks inside its object store are not
   * followed. The clone's `origin` remote is removed afterwards, and the
   * objects are repacked into one pack with a reachability bitmap, as a
   * server's gc leaves them: without the bitmap every clone of the imported
   * repository walks its whole history to count objects.
   */
  async importFrom(source: string, namespace: string, project: string): Promise<string> {
    const from = path.resolve(source);
    await fs.access(from);
    return this.#build(namespace, project, (tmp) => ['clone', '--mirror', '--no-local', '--quiet', '--', from, tmp], [
      ['config', '--remove-section', 'remote.origin'],
      ['repack', '-a', '-d', '-q', '--write-bitmap-index'],
    ]);
  }

  async remove(namespace: string, project: string): Promise<boolean> {
    const target = this.#location(assertSegment('namespace', namespace), assertSegment('path', project));
    const stat = await fs.lstat(target).catch(() => null);
    if (!stat) return false;
    const parent = await this.#namespaceDir(namespace, false);
    if (!parent) return false;
    // A symlink is removed itself, never the directory it points to.
    if (stat.isSymbolicLink()) {
      await fs.unlink(target);
      return true;
    }
    // Rename first: the repository disappears atomically, then is deleted.
    const doomed = path.join(parent, `.deleted-${project}-${randomBytes(6).toString('hex')}`);
    await fs.rename(target, doomed);
    await fs.rm(doomed, { recursive: true, force: true });
    return true;
  }

  #location(namespace: string, project: string): string {
    return path.join(this.root, namespace, `${project}.git`);
  }

  /** Real path of the namespace directory if it lies inside the root; created on request. */
  async #namespaceDir(namespace: string, create: boolean): Promise<string | null> {
    const dir = path.join(this.root, namespace);
    if (create) await fs.mkdir(dir, { recursive: true });
    const [realRoot, real] = await Promise.all([realpathOrNull(this.root), realpathOrNull(dir)]);
    return realRoot && real && isInside(realRoot, real) ? real : null;
  }

  async #build(
    namespace: string,
    project: string,
    makeArgs: (tmp: string) => string[],
    thenRunInRepo: string[][] = [],
  ): Promise<string> {
    assertSegment('namespace', namespace);
    assertSegment('path', project);
    await fs.mkdir(this.root, { recursive: true, mode: 0o700 });
    const parent = await this.#namespaceDir(namespace, true);
    if (!parent) throw new ValidationError('namespace', 'namespace directory lies outside the repositories root');
    const target = path.join(parent, `${project}.git`);
    if (await exists(target)) throw new ConflictError(`repository ${namespace}/${project} already exists`);
    // A name no request can reach: segments may not start with a dot.
    const tmp = path.join(parent, `.tmp-${project}-${randomBytes(6).toString('hex')}`);
    try {
      await this.#git(makeArgs(tmp));
      for (const args of thenRunInRepo) await this.#git(['-C', tmp, ...args]);
      await renameNoReplace(tmp, target, `${namespace}/${project}`);
      return target;
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  }

  async #git(args: string[]): Promise<void> {
    await run(this.gitBin, args, {
      timeout: this.#options.timeoutMs,
      maxBuffer: 1024 * 1024,
      env: {
        PATH: this.#options.envPath,
        HOME: os.tmpdir(),
        LANG: 'C',
        LC_ALL: 'C',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_TERMINAL_PROMPT: '0',
      },
    });
  }
}

/** Throws ValidationError unless `value` is a valid path segment; returns it. */
function assertSegment(field: string, value: string): string {
  if (!isValidPathSegment(value)) throw new ValidationError(field, `invalid ${field}: ${JSON.stringify(value)}`);
  return value;
}

/** A bare repository has HEAD, objects/ and refs/ at its top. */
function isBareRepository(dir: string): boolean {
  const [dirStat, head, objects, refs] = [dir, path.join(dir, 'HEAD'), path.join(dir, 'objects'), path.join(dir, 'refs')].map((p) => statOrNull(p));
  return Boolean(dirStat?.isDirectory() && head?.isFile() && objects?.isDirectory() && refs?.isDirectory());
}

/** Largest HEAD read: `ref: refs/heads/` and a branch name of the longest valid length. */
const HEAD_MAX_BYTES = 1100;

/**
 * The HEAD file's text, or null when it is missing, unreadable, too long or a
 * symbolic link (never followed, so it cannot lead out of the repository).
 * Synchronous for the reason `resolve` is: a few hundred bytes of a hot file.
 */
function readHead(file: string): string | null {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return null;
  }
  try {
    const buffer = Buffer.alloc(HEAD_MAX_BYTES + 1);
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    return length > HEAD_MAX_BYTES ? null : buffer.toString('utf8', 0, length);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

function realpathSyncOrNull(p: string): string | null {
  try {
    return realpathSync.native(p);
  } catch {
    return null;
  }
}

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

async function realpathOrNull(p: string): Promise<string | null> {
  return fs.realpath(p).catch(() => null);
}

async function exists(p: string): Promise<boolean> {
  return (await fs.lstat(p).catch(() => null)) !== null;
}

/** rename(2) replaces an empty directory; refuse that so two creators cannot both win. */
async function renameNoReplace(from: string, to: string, name: string): Promise<void> {
  try {
    await fs.mkdir(to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new ConflictError(`repository ${name} already exists`);
    throw err;
  }
  // `to` now exists empty and is ours: nobody else's mkdir can succeed.
  try {
    await fs.rename(from, to);
  } catch (err) {
    await fs.rmdir(to).catch(() => undefined);
    throw err;
  }
}
