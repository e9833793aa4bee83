/**
 * The `Git-Protocol` request header (protocol v1/v2 negotiation over HTTP).
 */
import type { GitService } from '../identity/git-service.js';

/** What the edge may pass on to git from the client's `Git-Protocol` header. */
export interface GitProtocol {
  /** Value for `GIT_PROTOCOL` in git's environment, or null when absent or invalid. */
  env: string | null;
  /** True when the response will be in protocol v2 (no `# service=` preamble). */
  v2: boolean;
}

// Gitea's rule: colon-separated key=value pairs of ASCII letters and digits,
// so a client can never smuggle anything else into git's environment.
const SAFE_GIT_PROTOCOL = /^[0-9A-Za-z]+=[0-9A-Za-z]+(:[0-9A-Za-z]+=[0-9A-Za-z]+)*$/;

/**
 * Validates a `Git-Protocol` header for `service`. An invalid header is
 * ignored (the request proceeds in protocol v0), never an error.
 *
 * @example parseGitProtocol('version=2', 'git-upload-pack') // { env: 'version=2', v2: true }
 */
export function parseGitProtocol(header: string | undefined, service: GitService): GitProtocol {
  if (header === undefined || header.length > 256 || !SAFE_GIT_PROTOCOL.test(header)) {
    return { env: null, v2: false };
  }
  const requestsV2 = header.split(':').includes('version=2');
  // git receive-pack has no v2: it answers in v0 even when asked for v2, and
  // a v0 advertisement over HTTP needs the preamble.
  return { env: header, v2: requestsV2 && service === 'git-upload-pack' };
}
