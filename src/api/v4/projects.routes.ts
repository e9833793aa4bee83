/**
 * `/projects`: list what the caller can see, read one by id or
 * `namespace%2Fproject`, create (with its bare repository) and delete
 * (GitLab's `lib/api/projects.rb`).
 */
import { z } from 'zod';
import type { Visibility } from '../../projects/project.js';
import type { ApiDeps } from './api-deps.js';
import { projectEntity, projectWithAccess } from './entities/project.entity.js';
import { pageOf, pageParams } from './pagination.js';
import { bool, id, text } from './params.js';
import { projectRef } from './project-ref.js';
import { route, type ApiRoute } from './route.js';

const visibility = z.enum(['private', 'internal', 'public'] as const satisfies readonly Visibility[]);

const listProjectsParams = z.object({
  search: text(255).optional(),
  visibility: visibility.optional(),
  owned: bool().optional(),
  membership: bool().optional(),
  ...pageParams,
});

const createProjectParams = z
  .object({
    name: text(255).optional(),
    path: text(255).optional(),
    description: text(2000).nullable().optional(),
    visibility: visibility.optional(),
    /** A user id or username: whose namespace receives the project (administrators). */
    namespace_id: z.union([id(), text(255)]).optional(),
  })
  .refine((p) => Boolean(p.name?.trim() || p.path?.trim()), {
    message: 'name, path are missing, at least one parameter must be provided',
    path: ['name'],
  });

/** The project routes. */
export function projectRoutes(deps: ApiDeps): ApiRoute[] {
  const { projects, users, urls } = deps;
  return [
    route({
      method: 'get',
      path: '/projects',
      summary: 'List the projects the caller can see (public ones when anonymous)',
      tag: 'projects',
      scope: 'read_api',
      anonymous: true,
      params: listProjectsParams,
      success: { status: 200, body: 'Project', list: true },
      errors: [400],
      handle: async ({ params, viewer }) => {
        const page = pageOf(params);
        const me = viewer ? { userId: viewer.id, username: viewer.username } : undefined;
        const { projects: list, total } = await projects.list(viewer, {
          search: params.search,
          visibility: params.visibility,
          namespace: params.owned && viewer ? viewer.username : undefined,
          memberOf: params.membership ? me : undefined,
          limit: page.limit,
          offset: page.offset,
        });
        const branches = await Promise.all(list.map((visible) => projects.defaultBranch(viewer, visible)));
        return { body: list.map(({ project }, i) => projectEntity(project, urls, branches[i])), page: { page, total } };
      },
    }),
    route({
      method: 'get',
      path: '/projects/:id',
      summary: 'Get a project by id or URL-encoded path',
      tag: 'projects',
      scope: 'read_api',
      anonymous: true,
      success: { status: 200, body: 'ProjectWithAccess' },
      errors: [404],
      handle: async ({ path, viewer }) => {
        const visible = await projects.get(viewer, projectRef(path.id));
        const branch = await projects.defaultBranch(viewer, visible);
        return { body: projectWithAccess(visible.project, visible.level, urls, branch) };
      },
    }),
    route({
      method: 'post',
      path: '/projects',
      summary: "Create a project and its empty repository in the caller's namespace",
      tag: 'projects',
      scope: 'write_api',
      params: createProjectParams,
      success: { status: 201, body: 'Project' },
      errors: [400, 404, 409],
      handle: async ({ params, caller }) => {
        const ns = params.namespace_id;
        const namespace = typeof ns === 'number' ? (await users.get(ns)).username : ns;
        const project = await projects.create(caller, {
          name: params.name ?? null,
          path: params.path ?? null,
          description: params.description ?? null,
          visibility: params.visibility ?? null,
          namespace: namespace ?? null,
        });
        const branch = await projects.defaultBranch(caller, { project, level: await projects.accessLevel(caller, project) });
        return { body: projectEntity(project, urls, branch) };
      },
    }),
    route({
      method: 'delete',
      path: '/projects/:id',
      summary: 'Delete a project and its repository (owners and administrators)',
      tag: 'projects',
      scope: 'write_api',
      success: { status: 202, body: 'Message' },
      errors: [404],
      handle: async ({ path, caller }) => {
        await projects.delete(caller, projectRef(path.id));
        return { body: { message: '202 Accepted' } };
      },
    }),
  ];
}
