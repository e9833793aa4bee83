/**
 * git's rules for branch and tag names (git-check-ref-format(1)), for names
 * that arrive from URLs or are read from repository files and are then used
 * as `refs/heads/<name>` or `refs/tags/<name>`.
 */

const MAX_LENGTH = 1024;

/**
 * True when `name` is a name git accepts under `refs/heads/` or
 * `refs/tags/`: non-empty slash-separated components, none starting with a
 * dot or ending in `.lock`; no `..`, `@{`, control characters, space,
 * `~ ^ : ? * [ \`; not `@` alone, not ending in a dot or a slash. None of
 * them can be read as a pattern or an option by git.
 *
 * @example isValidRefName('feature/x') // true
 * @example isValidRefName('../x') // false
 */
export function isValidRefName(name: string): boolean {
  if (name.length === 0 || name.length > MAX_LENGTH || name === '@') return false;
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(name) || name.includes('..') || name.includes('@{')) return false;
  if (name.endsWith('.')) return false;
  return name.split('/').every((part) => part.length > 0 && !part.startsWith('.') && !part.endsWith('.lock'));
}
