/**
 * Projects in GitLab's shape (`lib/api/entities/project.rb` and its bases).
 * gitgate projects live in a user's namespace, so `namespace.kind` is `user`.
 */
import type { Project } from '../../../projects/project.js';

/** The project's URLs under the external URL. */
function urls(project: Project, externalUrl: string) {
  const full = `${project.namespace}/${project.path}`;
  return { full, web: `${externalUrl}/${full}`, http: `${externalUrl}/${full}.git` };
}

/** `Project`: what `GET /projects` and `POST /projects` answer. */
export function projectEntity(project: Project, externalUrl: string) {
  const u = urls(project, externalUrl);
  const created = project.createdAt.toISOString();
  return {
    id: project.id,
    description: project.description,
    name: project.name,
    name_with_namespace: `${project.namespace} / ${project.name}`,
    path: project.path,
    path_with_namespace: u.full,
    created_at: created,
    default_branch: null,
    tag_list: [],
    topics: [],
    ssh_url_to_repo: null,
    http_url_to_repo: u.http,
    web_url: u.web,
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
      web_url: `${externalUrl}/${project.namespace}`,
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
export function projectWithAccess(project: Project, level: number, externalUrl: string) {
  return {
    ...projectEntity(project, externalUrl),
    permissions: {
      project_access: level > 0 ? { access_level: level, notification_level: 3 } : null,
      group_access: null,
    },
  };
}
