/**
 * The OpenAPI 3.1 description of the implemented GitLab v4 subset, served
 * at `/api/v4/openapi.json`.
 */
import { operation } from './operation.js';
import { PATHS } from './paths.js';
import { SCHEMAS, type Schema } from './schemas.js';

/** Builds the document; `externalUrl` becomes the server URL. */
export function openApiDocument(externalUrl: string): Schema {
  const paths = Object.fromEntries(
    Object.entries(PATHS).map(([path, methods]) => [
      path,
      Object.fromEntries(Object.entries(methods).map(([method, spec]) => [method, operation(method, path, spec)])),
    ]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'gitgate REST API (GitLab v4 compatible)',
      version: '4',
      description: [
        "The part of GitLab's v4 API that manages users, SSH keys, projects, members and personal access tokens,",
        "with GitLab's paths, fields, status codes and error bodies. Lists are paginated with",
        "`page`/`per_page` and GitLab's `X-*` and `Link` headers.",
      ].join(' '),
    },
    servers: [{ url: `${externalUrl}/api/v4` }],
    security: [{ privateToken: [] }, { privateTokenQuery: [] }, { bearer: [] }],
    tags: ['users', 'projects', 'members', 'personal_access_tokens'].map((name) => ({ name })),
    paths,
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
