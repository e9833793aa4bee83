/**
 * `/user` and `/users`: the caller, listing and reading accounts, and the
 * administrator's create, update, block and unblock (GitLab's `lib/api/users.rb`).
 */
import { z } from 'zod';
import type { Identity } from '../../identity/principal.js';
import { ForbiddenError } from '../../lib/errors.js';
import type { User, UserPatch } from '../../users/user.js';
import type { ApiDeps } from './api-deps.js';
import { userBasic, userDetails, userPublic, userWithAdmin } from './entities/user.entity.js';
import { pageOf, pageParams } from './pagination.js';
import { bool, idParam, text } from './params.js';
import { route, type ApiRoute } from './route.js';

const listUsersParams = z.object({
  search: text(255).optional(),
  username: text(255).optional(),
  active: bool().optional(),
  blocked: bool().optional(),
  admins: bool().optional(),
  ...pageParams,
});

const createUserParams = z
  .object({
    username: text(255),
    name: text(255),
    email: z.email(),
    password: text(128).optional(),
    reset_password: bool().optional(),
    force_random_password: bool().optional(),
    admin: bool().optional(),
    skip_confirmation: bool().optional(),
  })
  .refine((p) => p.password !== undefined || p.reset_password === true || p.force_random_password === true, {
    message: 'password, reset_password, force_random_password are missing, at least one parameter must be provided',
    path: ['password'],
  });

const updateUserParams = z.object({
  name: text(255).optional(),
  email: z.email().optional(),
  password: text(128).optional(),
  admin: bool().optional(),
  state: z.enum(['active', 'blocked']).optional(),
});

/** GitLab refuses to let the API block the very user calling it. */
function refuseSelfBlock(caller: Identity, id: number): void {
  if (caller.id === id) throw new ForbiddenError('The API initiating user cannot be blocked by the API');
}

/** The user routes. */
export function userRoutes(deps: ApiDeps): ApiRoute[] {
  const { users, externalUrl: url } = deps;
  const asAdmin = (u: User) => userWithAdmin(u, url);
  return [
    route({
      method: 'get',
      path: '/user',
      summary: 'Get the authenticated user',
      tag: 'users',
      scope: 'read_user',
      success: { status: 200, body: ['UserPublic', 'UserWithAdmin'] },
      errors: [],
      handle: async ({ caller }) => {
        const me = await users.get(caller.id);
        return { body: me.isAdmin ? asAdmin(me) : userPublic(me, url) };
      },
    }),
    route({
      method: 'get',
      path: '/users',
      summary: 'List users',
      tag: 'users',
      scope: 'read_user',
      params: listUsersParams,
      success: { status: 200, body: ['UserBasic', 'UserWithAdmin'], list: true },
      errors: [400],
      handle: async ({ params, caller }) => {
        const page = pageOf(params);
        const state = params.active ? 'active' : params.blocked ? 'blocked' : undefined;
        const { users: list, total } = await users.list({
          search: params.search,
          emailMatch: caller.isAdmin ? 'contains' : 'none',
          username: params.username,
          state,
          isAdmin: params.admins && caller.isAdmin ? true : undefined,
          limit: page.limit,
          offset: page.offset,
        });
        return { body: list.map((u) => (caller.isAdmin ? asAdmin(u) : userBasic(u, url))), page: { page, total } };
      },
    }),
    route({
      method: 'get',
      path: '/users/:id',
      summary: 'Get a single user',
      tag: 'users',
      scope: 'read_user',
      success: { status: 200, body: ['User', 'UserWithAdmin'] },
      errors: [400, 404],
      handle: async ({ path, caller }) => {
        const user = await users.get(idParam(path.id));
        return { body: caller.isAdmin ? asAdmin(user) : userDetails(user, url) };
      },
    }),
    route({
      method: 'post',
      path: '/users',
      summary: 'Create a user (administrators)',
      tag: 'users',
      scope: 'write_api',
      admin: true,
      params: createUserParams,
      success: { status: 201, body: 'UserWithAdmin' },
      errors: [400, 409],
      handle: async ({ params }) => {
        const user = await users.create({
          username: params.username,
          name: params.name,
          email: params.email,
          password: params.password ?? null,
          isAdmin: params.admin ?? false,
        });
        return { body: asAdmin(user) };
      },
    }),
    route({
      method: 'put',
      path: '/users/:id',
      summary: 'Modify a user (administrators): name, email, password, admin flag, state',
      tag: 'users',
      scope: 'write_api',
      admin: true,
      params: updateUserParams,
      success: { status: 200, body: 'UserWithAdmin' },
      errors: [400, 404, 409],
      handle: async ({ path, params, caller }) => {
        const id = idParam(path.id);
        if (params.state === 'blocked') refuseSelfBlock(caller, id);
        if (params.password !== undefined) await users.setPassword(id, params.password, caller);
        const patch: UserPatch = {
          ...(params.name !== undefined ? { name: params.name } : {}),
          ...(params.email !== undefined ? { email: params.email } : {}),
          ...(params.admin !== undefined ? { isAdmin: params.admin } : {}),
          ...(params.state !== undefined ? { state: params.state } : {}),
        };
        return { body: asAdmin(await users.update(id, patch, caller)) };
      },
    }),
    route({
      method: 'post',
      path: '/users/:id/block',
      summary: 'Block a user (administrators); their tokens stop working at once',
      tag: 'users',
      scope: 'write_api',
      admin: true,
      success: { status: 201, body: 'Boolean' },
      errors: [404],
      handle: async ({ path, caller }) => {
        const id = idParam(path.id);
        refuseSelfBlock(caller, id);
        await users.block(id, caller);
        return { body: true };
      },
    }),
    route({
      method: 'post',
      path: '/users/:id/unblock',
      summary: 'Unblock a user (administrators)',
      tag: 'users',
      scope: 'write_api',
      admin: true,
      success: { status: 201, body: 'Boolean' },
      errors: [404],
      handle: async ({ path, caller }) => {
        await users.unblock(idParam(path.id), caller);
        return { body: true };
      },
    }),
  ];
}
