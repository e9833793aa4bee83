/**
 * The one rule every user name, namespace and project path obeys; git paths,
 * SSH commands and the repository store all rely on it to refuse traversal.
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
