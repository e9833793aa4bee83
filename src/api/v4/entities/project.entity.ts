/**
 * Projects in GitLab's shape (`lib/api/entities/project.rb` and its bases).
 * gitgate projects live in a user's namespace, so `namespace.kind` is `user`.
 */
import type { Project } from '../../../projects/project.js';
import type { ProjectUrls } from '../../../projects/project-urls.js';

/**
 * `Project`: what `GET /projects` and `POST /projects` answer.
 * `defaultBranch` undefined (the caller may not read the code) leaves
 * `default_branch` out, as GitLab does.
 */
export function projectEntity(project: Project, urls: ProjectUrls, defaultBranch: string | null | undefined) {
  const created = project.createdAt.toISOString();
  return {
    id: project.id,
    description: project.description,
    name: project.name,
    name_with_namespace: `${project.namespace} / ${project.name}`,
    path: project.path,
    path_with_namespace: `${project.namespace}/${project.path}`,
    created_at: created,
    ...(defaultBranch !== undefined ? { default_branch: defaultBranch } : {}),
    tag_list: [],
    topics: [],
    ssh_url_to_repo: urls.ssh(project),
    http_url_to_repo: urls.http(project),
    web_url: urls.web(project),
    readme_url: null,
    avatar_url: null,
    forks_count: 0,
    star_count: 0,
    last_activity_at: created,
    namespace: {
      name: project.namespace,
      path: project.namespace,
      kind: 'user',
      full_path: project.namespace,
      parent_id: null,
      avatar_url: null,
      web_url: urls.namespace(project.namespace),
    },
    visibility: project.visibility,
    creator_id: project.creatorId,
    empty_repo: null,
    archived: false,
  };
}

/**
 * `ProjectWithAccess`: a single project (`GET /projects/:id`) with the
 * caller's access level in `permissions.project_access`.
 */
export function projectWithAccess(project: Project, level: number, urls: ProjectUrls, defaultBranch: string | null | undefined) {
  return {
    ...projectEntity(project, urls, defaultBranch),
    permissions: {
      project_access: level > 0 ? { access_level: level, notification_level: 3 } : null,
      group_access: null,
    },
  };
}
