/**
 * Recognition of a project page's path, `/<namespace>/<project>` (GitLab's
 * `web_url`), and of `/<namespace>/<project>.git`, which GitLab sends to
 * the page. Only two segments: anything longer under a repository is git's
 * (smart HTTP, answered by the git router before the pages; dumb HTTP,
 * refused there), never a page.
 */
import { decodeSegment, repositoryPath } from '../lib/path-segment.js';

/** A project page path: the project, and whether `.git` was appended. */
export interface ProjectPagePath {
  namespace: string;
  project: string;
  withGitSuffix: boolean;
}

/**
 * Classifies `path` (still percent-encoded, as `req.path`): split on `/`
 * before decoding, so `%2F` cannot make a separator, and each decoded
 * segment must pass `isValidPathSegment` (which also keeps out `-`, `.…`
 * and other segments the web and API paths use). A trailing slash is
 * allowed. Null for anything else.
 *
 * @example matchProjectPage('/alice/website') // { namespace: 'alice', project: 'website', withGitSuffix: false }
 */
export function matchProjectPage(path: string): ProjectPagePath | null {
  const raw = path.split('/').slice(1);
  if (raw.length === 3 && raw[2] === '') raw.pop();
  if (raw.length !== 2) return null;
  return repositoryPath(decodeSegment(raw[0]!), decodeSegment(raw[1]!));
}
