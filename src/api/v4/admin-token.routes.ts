/**
 * GitLab's token information API (`lib/api/admin/token.rb`): administrators
 * send a token found somewhere — a log, a paste, a repository — in the
 * body, and learn what it is and whose, or revoke it. The token is taken
 * from the body only, so it is in no URL and no access log.
 */
import { z } from 'zod';
import type { ApiDeps } from './api-deps.js';
import { tokenInformationEntity } from './entities/token-information.entity.js';
import { text } from './params.js';
import { route, type ApiRoute } from './route.js';

const tokenParams = z.object({ token: text(1024).meta({ description: 'The token to identify (personal access tokens of this instance)' }) });

/** `POST` and `DELETE /admin/token`. */
export function adminTokenRoutes(deps: ApiDeps): ApiRoute[] {
  const { tokens, tokenInformation, externalUrl } = deps;
  return [
    route({
      method: 'post',
      path: '/admin/token',
      summary: 'Identify a token: the token and its owner (administrators)',
      tag: 'token_information',
      description: 'A revoked or expired token is answered too. 422 for a string without this instance\'s token prefix, length or checksum.',
      scope: 'write_api',
      admin: true,
      paramsIn: 'body',
      params: tokenParams,
      success: { status: 200, body: 'TokenInformation' },
      errors: [400, 404, 422],
      handle: async ({ params, caller }) => {
        const identified = await tokenInformation.identify(caller, params.token);
        return { body: tokenInformationEntity(identified, tokens, externalUrl) };
      },
    }),
    route({
      method: 'delete',
      path: '/admin/token',
      summary: 'Revoke a token given by its value (administrators); its owner is told by e-mail',
      tag: 'token_information',
      description: 'Refused on every instance from the next request on. 400 when it is already revoked.',
      scope: 'write_api',
      admin: true,
      paramsIn: 'body',
      params: tokenParams,
      success: { status: 204 },
      errors: [400, 404, 422],
      handle: async ({ params, caller }) => {
        await tokenInformation.revoke(caller, params.token);
      },
    }),
  ];
}
