/**
 * `/users/:id/personal_access_tokens`: administrators create tokens for any
 * user (GitLab's `POST`, which python-gitlab's `user.personal_access_tokens`
 * drives); `GET` lists one user's tokens for them or an administrator.
 * `/user/personal_access_tokens`: a token with the `api` scope mints a token
 * for its own user, at most as strong as itself (attenuation).
 */
import { z } from 'zod';
import { ForbiddenError, UnauthorizedError } from '../../lib/errors.js';
import type { CreateTokenInput } from '../../tokens/token.service.js';
import type { ApiDeps } from './api-deps.js';
import { personalAccessTokenEntity, personalAccessTokenWithToken } from './entities/personal-access-token.entity.js';
import { pageOf, pageParams } from './pagination.js';
import { idParam, isoDate, list, text } from './params.js';
import { route, type ApiRoute } from './route.js';
import { restrictionsInput, tokenRestrictionParams } from './token-restriction-params.js';

/** `scopes` may be an array, `scopes[]=…` pairs, or one comma-separated string. */
const createTokenParams = z.object({
  name: text(255),
  scopes: list(),
  expires_at: isoDate().nullable().optional(),
  description: text(255).nullable().optional(),
  ...tokenRestrictionParams,
});

const listUserTokensParams = z.object({ ...pageParams });

/** The per-user token routes. */
export function userTokenRoutes(deps: ApiDeps): ApiRoute[] {
  const { tokens, users } = deps;
  return [
    route({
      method: 'post',
      path: '/users/:id/personal_access_tokens',
      summary: 'Create a personal access token for a user (administrators)',
      tag: 'personal_access_tokens',
      scope: 'write_api',
      admin: true,
      params: createTokenParams,
      success: { status: 201, body: 'PersonalAccessTokenWithToken' },
      errors: [400, 404],
      handle: async ({ path, params, caller }) => {
        const issued = await tokens.create(caller, idParam(path.id), createInput(params));
        return { body: personalAccessTokenWithToken(issued.token, issued.plaintext, tokens) };
      },
    }),
    route({
      method: 'post',
      path: '/user/personal_access_tokens',
      summary: "Create a token for the caller's own user, at most as strong as the calling token",
      description:
        'Scopes a subset of the calling token\'s, restrictions at least as narrow, expiry no later. ' +
        'The new token is revoked whenever the calling token is revoked or rotated.',
      tag: 'personal_access_tokens',
      scope: 'write_api',
      params: createTokenParams,
      success: { status: 201, body: 'PersonalAccessTokenWithToken' },
      errors: [400],
      handle: async ({ params, auth }) => {
        const p = auth.principal;
        if (auth.sudo || p.kind !== 'token') throw new ForbiddenError('Only a token acting as its own user may create tokens here');
        const issued = await tokens.createChild(p.tokenId, createInput(params));
        return { body: personalAccessTokenWithToken(issued.token, issued.plaintext, tokens) };
      },
    }),
    route({
      method: 'get',
      path: '/users/:id/personal_access_tokens',
      summary: "List a user's personal access tokens (the user or administrators)",
      tag: 'personal_access_tokens',
      scope: 'read_user',
      params: listUserTokensParams,
      success: { status: 200, body: 'PersonalAccessToken', list: true },
      errors: [400, 404],
      handle: async ({ path, params, caller }) => {
        const userId = idParam(path.id);
        if (userId !== caller.id && !caller.isAdmin) throw new UnauthorizedError('invalid');
        await users.get(userId);
        const page = pageOf(params);
        const { tokens: found, total } = await tokens.list(caller, { userId, limit: page.limit, offset: page.offset });
        return { body: found.map((t) => personalAccessTokenEntity(t, tokens)), page: { page, total } };
      },
    }),
  ];
}

/** The token service's input from a creation request's parameters. */
function createInput(params: z.output<typeof createTokenParams>): CreateTokenInput {
  return {
    name: params.name,
    scopes: params.scopes,
    expiresAt: params.expires_at ?? null,
    description: params.description ?? null,
    restrictions: restrictionsInput(params),
  };
}
