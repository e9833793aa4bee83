/**
 * `/projects/:id/members`: list, read, add, change and remove direct
 * members with GitLab's numeric `access_level` (`lib/api/members.rb`).
 */
import { z } from 'zod';
import type { Member } from '../../projects/project.js';
import type { ApiDeps } from './api-deps.js';
import { memberEntity } from './entities/member.entity.js';
import { pageOf, pageParams } from './pagination.js';
import { id, idParam, int, text } from './params.js';
import { projectRef } from './project-ref.js';
import { route, type ApiRoute } from './route.js';

/** GitLab's grantable levels: guest, reporter, developer, maintainer, owner. */
const accessLevel = int().pipe(z.literal([10, 20, 30, 40, 50]));

const listMembersParams = z.object({ ...pageParams });

const addMemberParams = z
  .object({ user_id: id().optional(), username: text(255).optional(), access_level: accessLevel })
  .refine((p) => (p.user_id === undefined) !== (p.username === undefined), {
    message: 'user_id, username are missing, exactly one parameter must be provided',
    path: ['user_id'],
  });

const updateMemberParams = z.object({ access_level: accessLevel });

/** The member routes. */
export function memberRoutes(deps: ApiDeps): ApiRoute[] {
  const { projects, users, externalUrl: url } = deps;
  const present = async (member: Member) => memberEntity(member, await users.get(member.userId), url);
  return [
    route({
      method: 'get',
      path: '/projects/:id/members',
      summary: 'List the direct members of a project',
      tag: 'members',
      scope: 'read_api',
      params: listMembersParams,
      success: { status: 200, body: 'Member', list: true },
      errors: [400, 404],
      handle: async ({ path, params, caller }) => {
        const page = pageOf(params);
        const { members, total } = await projects.listMembers(caller, projectRef(path.id), page.limit, page.offset);
        const people = await users.getMany(members.map((m) => m.userId));
        const byId = new Map(people.map((u) => [u.id, u]));
        const body = members.flatMap((m) => {
          const user = byId.get(m.userId);
          return user ? [memberEntity(m, user, url)] : [];
        });
        return { body, page: { page, total } };
      },
    }),
    route({
      method: 'get',
      path: '/projects/:id/members/:user_id',
      summary: 'Get a direct member of a project',
      tag: 'members',
      scope: 'read_api',
      success: { status: 200, body: 'Member' },
      errors: [400, 404],
      handle: async ({ path, caller }) => {
        const member = await projects.getMember(caller, projectRef(path.id), idParam(path.user_id, 'user_id'));
        return { body: await present(member) };
      },
    }),
    route({
      method: 'post',
      path: '/projects/:id/members',
      summary: 'Add a member to a project (maintainers and up)',
      tag: 'members',
      scope: 'write_api',
      params: addMemberParams,
      success: { status: 201, body: 'Member' },
      errors: [400, 404],
      handle: async ({ path, params, caller }) => {
        const userId = params.user_id ?? (await users.getByUsername(params.username ?? '')).id;
        const member = await projects.setMember(caller, projectRef(path.id), userId, params.access_level, 'add');
        return { body: await present(member) };
      },
    }),
    route({
      method: 'put',
      path: '/projects/:id/members/:user_id',
      summary: "Change a member's access level (maintainers and up)",
      tag: 'members',
      scope: 'write_api',
      params: updateMemberParams,
      success: { status: 200, body: 'Member' },
      errors: [400, 404],
      handle: async ({ path, params, caller }) => {
        const userId = idParam(path.user_id, 'user_id');
        const member = await projects.setMember(caller, projectRef(path.id), userId, params.access_level, 'update');
        return { body: await present(member) };
      },
    }),
    route({
      method: 'delete',
      path: '/projects/:id/members/:user_id',
      summary: 'Remove a member from a project; their git access ends on the next request',
      tag: 'members',
      scope: 'write_api',
      success: { status: 204 },
      errors: [400, 404],
      handle: async ({ path, caller }) => {
        await projects.removeMember(caller, projectRef(path.id), idParam(path.user_id, 'user_id'));
      },
    }),
  ];
}
