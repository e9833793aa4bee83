/**
 * `/personal_access_tokens`: list with GitLab's filters, read, revoke and
 * rotate by id, and the `/self` endpoints any token may call about itself
 * (GitLab's `lib/api/personal_access_tokens*.rb`).
 */
import { z } from 'zod';
import type { Identity } from '../../identity/principal.js';
import { NotFoundError, UnauthorizedError, ValidationError } from '../../lib/errors.js';
import type { TokenSort } from '../../tokens/token.store.js';
import type { ApiDeps } from './api-deps.js';
import type { ApiAuth } from './api-state.js';
import { personalAccessTokenEntity, personalAccessTokenWithToken } from './entities/personal-access-token.entity.js';
import { pageOf, pageParams } from './pagination.js';
import { bool, dateTime, id, idParam, isoDate, text } from './params.js';
import { route, type ApiRoute } from './route.js';

const SORTS = [
  'created_asc',
  'created_desc',
  'expires_asc',
  'expires_desc',
  'last_used_asc',
  'last_used_desc',
  'name_asc',
  'name_desc',
] as const satisfies readonly TokenSort[];

const listTokensParams = z.object({
  user_id: id().optional(),
  revoked: bool().optional(),
  state: z.enum(['active', 'inactive']).optional(),
  search: text(255).optional(),
  created_before: dateTime().optional(),
  created_after: dateTime().optional(),
  last_used_before: dateTime().optional(),
  last_used_after: dateTime().optional(),
  expires_before: isoDate().optional(),
  expires_after: isoDate().optional(),
  sort: z.enum(SORTS).optional(),
  ...pageParams,
});

const rotateParams = z.object({ expires_at: isoDate().nullable().optional() });

/** The owner of the token that authenticated the request (the `/self` endpoints). */
function tokenOwner(auth: ApiAuth): { owner: Identity; tokenId: number } {
  const t = auth.token;
  if (!t) throw new ValidationError('token', 'This endpoint requires token type to be a personal access token');
  return { owner: { id: t.userId, username: t.username, isAdmin: t.isAdmin }, tokenId: t.tokenId };
}

/**
 * GitLab tells only administrators that a token does not exist; anyone
 * else gets 401 for a token that is missing or not theirs.
 */
function hideFromNonAdmins(caller: Identity): (err: unknown) => never {
  return (err) => {
    if (!(err instanceof NotFoundError)) throw err;
    throw caller.isAdmin ? new NotFoundError('404') : new UnauthorizedError('invalid');
  };
}

/** The personal access token routes; `/self` is declared before `/:id`. */
export function personalAccessTokenRoutes(deps: ApiDeps): ApiRoute[] {
  const { tokens, users } = deps;
  const entity = (t: Parameters<typeof personalAccessTokenEntity>[0]) => personalAccessTokenEntity(t, tokens);
  return [
    route({
      method: 'get',
      path: '/personal_access_tokens',
      summary: "List personal access tokens: the caller's own, or everyone's for administrators",
      tag: 'personal_access_tokens',
      scope: 'read_api',
      params: listTokensParams,
      success: { status: 200, body: 'PersonalAccessToken', list: true },
      errors: [400, 404],
      handle: async ({ params, caller }) => {
        if (params.user_id !== undefined && params.user_id !== caller.id) {
          if (!caller.isAdmin) throw new UnauthorizedError('invalid');
          await users.get(params.user_id).catch(hideFromNonAdmins(caller));
        }
        const page = pageOf(params);
        const { tokens: list, total } = await tokens.list(caller, {
          userId: params.user_id,
          revoked: params.revoked,
          state: params.state ? { active: params.state === 'active', today: tokens.today() } : undefined,
          search: params.search,
          createdBefore: params.created_before,
          createdAfter: params.created_after,
          lastUsedBefore: params.last_used_before,
          lastUsedAfter: params.last_used_after,
          expiresBefore: params.expires_before,
          expiresAfter: params.expires_after,
          sort: params.sort,
          limit: page.limit,
          offset: page.offset,
        });
        return { body: list.map(entity), page: { page, total } };
      },
    }),
    route({
      method: 'get',
      path: '/personal_access_tokens/self',
      summary: 'Get the token used for this request (any scope)',
      tag: 'personal_access_tokens',
      scope: 'any',
      success: { status: 200, body: 'PersonalAccessToken' },
      errors: [],
      handle: async ({ auth }) => {
        const { owner, tokenId } = tokenOwner(auth);
        return { body: entity(await tokens.get(owner, tokenId)) };
      },
    }),
    route({
      method: 'delete',
      path: '/personal_access_tokens/self',
      summary: 'Revoke the token used for this request (any scope)',
      tag: 'personal_access_tokens',
      scope: 'any',
      success: { status: 204 },
      errors: [400],
      handle: async ({ auth }) => {
        const { owner, tokenId } = tokenOwner(auth);
        await tokens.revoke(owner, tokenId);
      },
    }),
    route({
      method: 'post',
      path: '/personal_access_tokens/self/rotate',
      summary: 'Rotate the token used for this request: it is revoked and a successor issued',
      tag: 'personal_access_tokens',
      scope: 'write_api',
      params: rotateParams,
      success: { status: 200, body: 'PersonalAccessTokenWithToken' },
      errors: [400],
      handle: async ({ auth, params }) => {
        const { owner, tokenId } = tokenOwner(auth);
        const issued = await tokens.rotate(owner, tokenId, params.expires_at ?? null);
        return { body: personalAccessTokenWithToken(issued.token, issued.plaintext, tokens) };
      },
    }),
    route({
      method: 'get',
      path: '/personal_access_tokens/:id',
      summary: 'Get a personal access token',
      tag: 'personal_access_tokens',
      scope: 'read_api',
      success: { status: 200, body: 'PersonalAccessToken' },
      errors: [400, 404],
      handle: async ({ path, caller }) => {
        const token = await tokens.get(caller, idParam(path.id)).catch(hideFromNonAdmins(caller));
        return { body: entity(token) };
      },
    }),
    route({
      method: 'delete',
      path: '/personal_access_tokens/:id',
      summary: 'Revoke a personal access token',
      tag: 'personal_access_tokens',
      scope: 'write_api',
      success: { status: 204 },
      errors: [400, 404],
      handle: async ({ path, caller }) => {
        await tokens.revoke(caller, idParam(path.id));
      },
    }),
    route({
      method: 'post',
      path: '/personal_access_tokens/:id/rotate',
      summary: 'Rotate a personal access token: it is revoked and a successor issued',
      tag: 'personal_access_tokens',
      description: 'A rotation request made with an already revoked token revokes its whole family.',
      scope: 'write_api',
      params: rotateParams,
      success: { status: 200, body: 'PersonalAccessTokenWithToken' },
      errors: [400, 404],
      handle: async ({ path, params, caller }) => {
        const issued = await tokens
          .rotate(caller, idParam(path.id), params.expires_at ?? null)
          .catch(hideFromNonAdmins(caller));
        return { body: personalAccessTokenWithToken(issued.token, issued.plaintext, tokens) };
      },
    }),
  ];
}
