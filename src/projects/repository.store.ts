/**
 * The bare repositories on disk, at `<root>/<namespace>/<path>.git`.
 * Implementations must never resolve outside the root: names are validated
 * (see `isValidPathSegment`), `..` and separators are refused, and symlinks
 * that lead out of the root resolve to null.
 */
export interface RepositoryStore {
  /** Absolute path of the repositories root. */
  readonly root: string;
  /**
   * Absolute real path of an existing bare repository, or null when it is
   * missing, not a bare repository, or escapes the root.
   */
  resolve(namespace: string, path: string): Promise<string | null>;
  /**
   * The branch the repository's HEAD names (`main` for `ref: refs/heads/main`),
   * whether or not it has a commit yet; null when the repository is missing,
   * or HEAD is detached, a symbolic link or names no valid branch (as a
   * reftable repository's placeholder does). Reads the HEAD file: runs no git.
   */
  headBranch(namespace: string, path: string): Promise<string | null>;
  /** Creates an empty bare repository (`git init --bare`); ConflictError when it exists. */
  create(namespace: string, path: string): Promise<string>;
  /** Copies an existing bare repository into place (used to seed the demo). */
  importFrom(source: string, namespace: string, path: string): Promise<string>;
  /** Removes the repository directory; false when it did not exist. */
  remove(namespace: string, path: string): Promise<boolean>;
}
