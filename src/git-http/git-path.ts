/**
 * Recognition of smart-HTTP paths: `/<namespace>/<project>[.git]/<endpoint>`.
 */
import { decodeSegment, repositoryPath } from '../lib/path-segment.js';

/** The three smart-HTTP endpoints. */
export type GitEndpoint = 'info-refs' | 'git-upload-pack' | 'git-receive-pack';

/**
 * `smart`: a smart-HTTP endpoint of a well-formed repository path.
 * `not-found`: a git-looking path that is not served (dumb HTTP, bad
 * segments, traversal attempts) — answered 404 without touching anything.
 */
export type GitPathMatch =
  | { kind: 'smart'; namespace: string; project: string; endpoint: GitEndpoint }
  | { kind: 'not-found' };

// Dumb-HTTP directories under a repository (besides `HEAD`), answered 404 here.
const DUMB_HTTP = /^(objects|info)$/;

/**
 * Classifies a request path (still percent-encoded, as in `req.path`).
 * Returns null for paths that are not git's, so other routes may claim them.
 *
 * The path is split on `/` before decoding, so `%2f` cannot create a
 * separator; each decoded segment must pass `isValidPathSegment`, which
 * refuses `..`, `/`, `\`, NUL and anything else outside GitLab's path rule.
 *
 * @example matchGitPath('/alice/demo.git/info/refs') // { kind: 'smart', namespace: 'alice', project: 'demo', endpoint: 'info-refs' }
 */
export function matchGitPath(path: string): GitPathMatch | null {
  const raw = path.split('/').slice(1);
  const segments = raw.map(decodeSegment);
  const endpoint = endpointAt(segments);
  if (endpoint) {
    const prefix = segments.slice(0, segments.length - endpoint.length);
    const repo = prefix.length === 2 ? repository(prefix[0]!, prefix[1]!) : null;
    return repo ? { kind: 'smart', ...repo, endpoint: endpoint.name } : { kind: 'not-found' };
  }
  return looksLikeGit(raw, segments) ? { kind: 'not-found' } : null;
}

function endpointAt(segments: (string | null)[]): { name: GitEndpoint; length: number } | null {
  const last = segments.at(-1);
  if (last === 'git-upload-pack' || last === 'git-receive-pack') return { name: last, length: 1 };
  if (last === 'refs' && segments.at(-2) === 'info') return { name: 'info-refs', length: 2 };
  return null;
}

function repository(namespace: string | null, project: string | null): { namespace: string; project: string } | null {
  const repo = repositoryPath(namespace, project);
  return repo && { namespace: repo.namespace, project: repo.project };
}

function looksLikeGit(raw: string[], segments: (string | null)[]): boolean {
  if (segments.length < 3) return false;
  const inner = (s: string | null | undefined): boolean => s != null && /\.git$/i.test(s);
  if (raw.slice(1, -1).some(inner) || segments.slice(1, -1).some(inner)) return true;
  const third = segments[2] ?? '';
  return segments.length === 3 ? third === 'HEAD' : DUMB_HTTP.test(third);
}
