/**
 * `POST /projects/:id/housekeeping`: starts a housekeeping run of the
 * project's repository in the background (GitLab's `lib/api/projects.rb`):
 * 201 once it is queued, 409 while a run of it is queued here, triggered on
 * another instance or running anywhere, 403 below maintainer. `task` is GitLab's `eager` (the default)
 * or `prune`; both are gitgate's full run, whose cruft pack already expires
 * unreachable objects past git's two-week grace period.
 */
import { z } from 'zod';
import type { ApiDeps } from './api-deps.js';
import { projectRef } from './project-ref.js';
import { route, type ApiRoute } from './route.js';

const housekeepingParams = z.object({
  task: z.enum(['eager', 'prune']).optional().meta({ description: '`eager` (default) or `prune`: both run a full repack' }),
});

/** The housekeeping route. */
export function housekeepingRoutes(deps: ApiDeps): ApiRoute[] {
  const { housekeeping } = deps;
  return [
    route({
      method: 'post',
      path: '/projects/:id/housekeeping',
      summary: "Start housekeeping of the project's repository (maintainers, owners and administrators)",
      tag: 'projects',
      scope: 'write_api',
      params: housekeepingParams,
      success: { status: 201, body: 'Message' },
      errors: [400, 404, 409],
      handle: async ({ path, caller }) => {
        await housekeeping.trigger(caller, projectRef(path.id));
        return { body: { message: '201 Created' } };
      },
    }),
  ];
}
