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
  /** Creates an empty bare repository (`git init --bare`); ConflictError when it exists. */
  create(namespace: string, path: string): Promise<string>;
  /** Copies an existing bare repository into place (used to seed the demo). */
  importFrom(source: string, namespace: string, path: string): Promise<string>;
  /** Removes the repository directory; false when it did not exist. */
  remove(namespace: string, path: string): Promise<boolean>;
}
