/**
 * The one rule every user name, namespace and project path obeys; git paths,
 * project pages, SSH commands and the repository store all rely on it to
 * refuse traversal. Also how a URL's segments become a repository's names.
 */

/**
 * GitLab's path rule for namespaces and projects: starts with a letter,
 * digit or underscore; then letters, digits, `_`, `-`, `.`; no `..`; not
 * ending in `.git` or `.atom`; at most 255 characters.
 */
export function isValidPathSegment(segment: string): boolean {
  return (
    segment.length > 0 &&
    segment.length <= 255 &&
    /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(segment) &&
    !segment.includes('..') &&
    !/\.(git|atom)$/i.test(segment)
  );
}

/** A percent-encoded path segment, decoded; null when its percent-encoding is broken. */
export function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/**
 * A repository named by two decoded path segments, `.git` on the project
 * optional (git and GitLab accept both): the names when both follow the
 * path rule, else null.
 */
export function repositoryPath(namespace: string | null, project: string | null): { namespace: string; project: string; withGitSuffix: boolean } | null {
  if (namespace === null || project === null) return null;
  const withGitSuffix = project.endsWith('.git');
  const bare = withGitSuffix ? project.slice(0, -'.git'.length) : project;
  return isValidPathSegment(namespace) && isValidPathSegment(bare) ? { namespace, project: bare, withGitSuffix } : null;
}
