/**
 * `/users/:id/personal_access_tokens`: administrators create tokens for any
 * user (GitLab's `POST`, which python-gitlab's `user.personal_access_tokens`
 * drives); `GET` lists one user's tokens for them or an administrator.
 */
import { z } from 'zod';
import { UnauthorizedError } from '../../lib/errors.js';
import type { ApiDeps } from './api-deps.js';
import { personalAccessTokenEntity, personalAccessTokenWithToken } from './entities/personal-access-token.entity.js';
import { pageOf, pageParams } from './pagination.js';
import { idParam, isoDate, list, text } from './params.js';
import { route, type ApiRoute } from './route.js';

/** `scopes` may be an array, `scopes[]=…` pairs, or one comma-separated string. */
const createTokenParams = z.object({
  name: text(255),
  scopes: list(),
  expires_at: isoDate().nullable().optional(),
  description: text(255).nullable().optional(),
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
        const issued = await tokens.create(caller, idParam(path.id), {
          name: params.name,
          scopes: params.scopes,
          expiresAt: params.expires_at ?? null,
          description: params.description ?? null,
        });
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
