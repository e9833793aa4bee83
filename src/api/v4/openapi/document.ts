/**
 * The OpenAPI 3.1 description of the implemented GitLab v4 subset, served
 * at `/api/v4/openapi.json`, generated from the declared routes.
 */
import type { ApiRoute } from '../route.js';
import { operation, pathTemplate } from './operation.js';
import { API_TAGS } from './route-doc.js';
import { SCHEMAS, type Schema } from './schemas.js';

/** `path → method → operation` of `routes`, paths in OpenAPI's `{param}` form. */
function pathsOf(routes: readonly ApiRoute[]): Record<string, Record<string, Schema>> {
  const paths: Record<string, Record<string, Schema>> = {};
  for (const r of routes) {
    const methods = (paths[pathTemplate(r.path)] ??= {});
    methods[r.method] = operation(r);
  }
  return paths;
}

/** Builds the document of `routes`; `externalUrl` becomes the server URL. */
export function openApiDocument(externalUrl: string, routes: readonly ApiRoute[]): Schema {
  return {
    openapi: '3.1.0',
    info: {
      title: 'gitgate REST API (GitLab v4 compatible)',
      version: '4',
      description: [
        "The part of GitLab's v4 API that manages users, SSH keys, projects, members and personal access tokens,",
        'reads repository branches and tags, and describes the instance,',
        "with GitLab's paths, fields, status codes and error bodies. Lists are paginated with",
        "`page`/`per_page` and GitLab's `X-*` and `Link` headers.",
      ].join(' '),
    },
    servers: [{ url: `${externalUrl}/api/v4` }],
    security: [{ privateToken: [] }, { privateTokenQuery: [] }, { bearer: [] }],
    tags: API_TAGS.map((name) => ({ name })),
    paths: pathsOf(routes),
    components: {
      schemas: SCHEMAS,
      securitySchemes: {
        privateToken: { type: 'apiKey', in: 'header', name: 'PRIVATE-TOKEN' },
        privateTokenQuery: { type: 'apiKey', in: 'query', name: 'private_token' },
        bearer: { type: 'http', scheme: 'bearer', description: 'A personal access token' },
      },
      parameters: {
        Sudo: {
          name: 'Sudo',
          in: 'header',
          required: false,
          description:
            'Act as this user (id or username); needs an administrator token with the sudo scope. Also the `sudo` parameter.',
          schema: { type: 'string' },
        },
      },
    },
  };
}
