/**
 * What a cached answer of `git upload-pack` depends on besides the request:
 * the git binary, the repository's configuration and owner, and — for
 * answers that list refs or send objects — the refs themselves.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { statOrNull } from '../lib/stat-sync.js';
import { ConfigSnapshots } from './config-snapshots.js';
import { binaryFingerprint, resolveGitBinary } from './git-binary.js';
import { RefStates } from './ref-state.js';

/** One reading of the inputs of git's answers for one repository. */
export interface RepositoryIdentity {
  /** Equal digests: git answers every request the same way. */
  digest: string;
  /** False while the refs may still be changing (see RefState); such readings stand for no answer. */
  settled: boolean;
}

/**
 * Reads RepositoryIdentities. The digest covers the binary's fingerprint, a
 * digest of the bytes of the repository's `config` (see ConfigSnapshots), the
 * repository owner (newer gits refuse repositories of other users) and, when
 * asked for, the repository path and its RefState.
 */
export class RepositoryIdentities {
  readonly #binary: string | null;
  readonly #configs = new ConfigSnapshots();

  constructor(
    git: { gitBin: string; envPath: string },
    private readonly refStates: RefStates = new RefStates(),
  ) {
    this.#binary = resolveGitBinary(git.gitBin, git.envPath);
  }

  /**
   * The identity of `repoPath` now, or null when its answers may not be
   * cached: git is missing, the repository is gone, its configuration reads
   * other files or varies per process, it has `info/grafts` (which rewrite
   * history), or (with `withRefs`) its refs are too many to read cheaply.
   * Without `withRefs` the digest does not depend on which repository it
   * is, only on its configuration.
   */
  read(repoPath: string, withRefs: boolean): RepositoryIdentity | null {
    if (!this.#binary) return null;
    const config = this.#configs.read(path.join(repoPath, 'config'));
    const owner = statOrNull(repoPath)?.uid;
    const binary = binaryFingerprint(this.#binary);
    if (!config?.cacheable || owner === undefined || !binary || statOrNull(path.join(repoPath, 'info', 'grafts'))) return null;
    const refs = withRefs ? this.refStates.read(repoPath) : null;
    if (withRefs && !refs) return null;
    const digest = createHash('sha256')
      .update(`${binary}\0${owner}\0${config.digest}\0`)
      .update(refs ? `${repoPath}\0${refs.digest}` : '')
      .digest('base64');
    return { digest, settled: refs?.settled ?? true };
  }
}
