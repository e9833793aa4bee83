/**
 * `GET /metadata` and `/version` (GitLab's `lib/api/metadata.rb`): the
 * GitLab release whose API gitgate's endpoints follow, marked `-gitgate` as
 * GitLab EE marks its own `-ee`, so clients that compare versions treat it
 * as that release; `revision` names gitgate's own version. No KAS (the
 * Kubernetes agent server), no enterprise features.
 */
import { PACKAGE_VERSION } from '../../../lib/package-version.js';

/** The GitLab release gitgate's API follows (fields, status codes, scopes). */
export const GITLAB_API_LEVEL = '17.0.0';

/** The body of both endpoints. */
export function metadataEntity() {
  return {
    version: `${GITLAB_API_LEVEL}-gitgate`,
    revision: `gitgate-${PACKAGE_VERSION}`,
    kas: { enabled: false, externalUrl: null, version: null },
    enterprise: false,
  };
}
