/**
 * `/metadata` and its deprecated alias `/version` (GitLab's
 * `lib/api/metadata.rb`): for any authenticated caller whose token has
 * `read_user`, `read_api` or `api`.
 */
import { metadataEntity } from './entities/metadata.entity.js';
import { route, type ApiRoute } from './route.js';

/** The instance metadata routes. */
export function metadataRoutes(): ApiRoute[] {
  return (['/metadata', '/version'] as const).map((path) =>
    route({
      method: 'get',
      path,
      summary: path === '/metadata' ? 'The GitLab API version this instance follows, and its own version' : 'Deprecated alias of /metadata',
      tag: 'metadata',
      scope: 'read_user',
      success: { status: 200, body: 'Metadata' },
      errors: [],
      handle: async () => ({ body: metadataEntity() }),
    }),
  );
}
