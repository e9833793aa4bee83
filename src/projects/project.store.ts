import type { ProjectReach } from '../identity/token-restrictions.js';
import type { Member, NewProject, Project, ProjectPatch, Visibility } from './project.js';

/** Filters for listing projects; all optional, combined with AND. */
export interface ProjectQuery {
  /**
   * Restricts to what this user may see: public, internal (signed-in), and
   * projects where they are a member or the namespace owner. `null` means
   * anonymous (public only); omitted means no restriction (administrators).
   */
  visibleTo?: { userId: number; username: string } | null;
  /** Only projects where the user is a member or the namespace owner. */
  memberOf?: { userId: number; username: string };
  visibility?: Visibility;
  /** Case-insensitive substring of path or name. */
  search?: string;
  /** Exact namespace, case-insensitive. */
  namespace?: string;
  /** Only projects a restricted token reaches: these ids or namespaces (lower case). */
  within?: ProjectReach;
  limit?: number;
  offset?: number;
}

/** Persistence of projects and memberships. */
export interface ProjectStore {
  /** Inserts a project; throws ConflictError when namespace/path is taken. */
  create(project: NewProject): Promise<Project>;
  findById(id: number): Promise<Project | null>;
  /** Case-insensitive match of namespace and path. */
  findByPath(namespace: string, path: string): Promise<Project | null>;
  /** Ordered by id ascending. */
  list(query: ProjectQuery): Promise<Project[]>;
  /** Counts what `list` would return without limit/offset. */
  count(query: ProjectQuery): Promise<number>;
  update(id: number, patch: ProjectPatch): Promise<Project | null>;
  /** Deletes the project and its memberships; false when absent. */
  delete(id: number): Promise<boolean>;

  findMember(projectId: number, userId: number): Promise<Member | null>;
  /** The user's access level in each of `projectIds` where they are a member, by project id (one query). */
  memberLevels(userId: number, projectIds: readonly number[]): Promise<Map<number, number>>;
  /** Ordered by user id ascending. */
  listMembers(projectId: number, limit?: number, offset?: number): Promise<Member[]>;
  countMembers(projectId: number): Promise<number>;
  /** Inserts or replaces the membership (access level and createdAt). */
  upsertMember(member: Member): Promise<Member>;
  /** Removes the membership; false when absent. */
  removeMember(projectId: number, userId: number): Promise<boolean>;
}
