/**
 * Projects and their members. Every read goes through the visibility rules
 * so a project the caller may not see is indistinguishable from a missing one.
 */
import type { Identity } from '../identity/principal.js';
import { reachesProject } from '../identity/token-restrictions.js';
import type { Clock } from '../lib/clock.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../lib/errors.js';
import type { UserStore } from '../users/user.store.js';
import { AccessLevel } from '../identity/access-level.js';
import { VISIBILITIES, type Member, type Project, type Visibility } from './project.js';
import { canReadCode, canSeeProject, effectiveAccessLevel } from './project-access.js';
import type { ProjectQuery, ProjectStore } from './project.store.js';
import { isValidPathSegment } from '../lib/path-segment.js';
import type { RepositoryStore } from './repository.store.js';

export interface CreateProjectInput {
  path?: string | null;
  name?: string | null;
  description?: string | null;
  visibility?: string | null;
  /** Username whose namespace receives the project; administrators only. */
  namespace?: string | null;
}

export interface ProjectServiceDeps {
  projects: ProjectStore;
  repos: RepositoryStore;
  users: UserStore;
  clock: Clock;
}

/** A project the caller can see, with the caller's effective access level. */
export interface VisibleProject {
  project: Project;
  level: number;
}

/** A repository the caller may read, for answers about its refs. */
export interface ReadableRepository extends VisibleProject {
  /** Absolute path of the bare repository. */
  repoPath: string;
  /** The branch HEAD names (see RepositoryStore.headBranch). */
  defaultBranch: string | null;
}

const NOT_FOUND = '404 Project';

export class ProjectService {
  constructor(private readonly deps: ProjectServiceDeps) {}

  /** Creates the project row and its empty bare repository, or neither. */
  async create(actor: Identity, input: CreateProjectInput): Promise<Project> {
    const namespace = await this.targetNamespace(actor, input.namespace ?? null);
    const name = input.name?.trim() || input.path?.trim() || '';
    const path = input.path?.trim() || name.replace(/\s+/g, '-').toLowerCase();
    if (!path) throw new ValidationError('name', 'name or path is missing');
    if (!isValidPathSegment(path)) {
      throw new ValidationError('path', 'path can contain only letters, digits, "_", "-" and "." and cannot end in .git');
    }
    const visibility = parseVisibility(input.visibility ?? 'private');
    const project = await this.deps.projects.create({
      namespace,
      path,
      name,
      description: input.description?.trim() || null,
      visibility,
      creatorId: actor.id,
      createdAt: this.deps.clock.now(),
    });
    try {
      await this.deps.repos.create(namespace, path);
    } catch (err) {
      await this.deps.projects.delete(project.id);
      throw err;
    }
    return project;
  }

  /** Finds by `namespace/path` without any permission check (for authorizers). */
  findByPath(namespace: string, path: string): Promise<Project | null> {
    return this.deps.projects.findByPath(namespace, path);
  }

  /** The caller's effective access level on `project`. */
  async accessLevel(who: Identity | null, project: Project): Promise<number> {
    const member = who ? await this.deps.projects.findMember(project.id, who.id) : null;
    return effectiveAccessLevel(who, project, member);
  }

  /** A project by id or `namespace/path`, or NotFoundError when not visible. */
  async get(who: Identity | null, ref: number | string): Promise<VisibleProject> {
    const project = await this.find(ref);
    if (!project) throw new NotFoundError(NOT_FOUND);
    // A restricted token's projects: anything else looks missing, even when public.
    if (!reachesProject(who?.reach, project)) throw new NotFoundError(NOT_FOUND);
    const level = await this.accessLevel(who, project);
    if (!canSeeProject(who, project, level)) throw new NotFoundError(NOT_FOUND);
    return { project, level };
  }

  /** A project `owner` can see, by id or full path, for the token restrictions naming it; null otherwise. */
  async resolveProject(owner: Identity, ref: number | string): Promise<{ id: number; namespace: string } | null> {
    try {
      const { project } = await this.get(owner, ref);
      return { id: project.id, namespace: project.namespace };
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }

  /**
   * Projects the caller can see (everything for administrators), each with
   * the caller's effective access level (memberships read in one query).
   */
  async list(who: Identity | null, query: Omit<ProjectQuery, 'visibleTo'>): Promise<{ projects: VisibleProject[]; total: number }> {
    const reach = who?.reach ? { within: who.reach } : {};
    const scoped: ProjectQuery = who?.isAdmin
      ? { ...query, ...reach }
      : { ...query, ...reach, visibleTo: who ? { userId: who.id, username: who.username } : null };
    const [projects, total] = await Promise.all([this.deps.projects.list(scoped), this.deps.projects.count(scoped)]);
    // Administrators are owners everywhere and anonymous callers members nowhere: no memberships to read.
    const levels = who && !who.isAdmin ? await this.deps.projects.memberLevels(who.id, projects.map((p) => p.id)) : new Map<number, number>();
    const member = (p: Project): Member | null => {
      const accessLevel = levels.get(p.id);
      return who && accessLevel !== undefined ? { projectId: p.id, userId: who.id, accessLevel, createdAt: p.createdAt } : null;
    };
    return { projects: projects.map((project) => ({ project, level: effectiveAccessLevel(who, project, member(project)) })), total };
  }

  /**
   * The default branch as `who` may learn it: the branch the repository's
   * HEAD names — even before its first push, as GitLab answers `main` for an
   * empty project — when they may read the code; undefined when they may
   * not (GitLab leaves the field out then); null when HEAD names no branch.
   */
  async defaultBranch(who: Identity | null, visible: VisibleProject): Promise<string | null | undefined> {
    if (!canReadCode(who, visible.project, visible.level)) return undefined;
    return this.deps.repos.headBranch(visible.project.namespace, visible.project.path);
  }

  /**
   * A project's repository for reading its refs: NotFoundError when the
   * project is not visible or its repository is missing, ForbiddenError
   * when the caller may see the project but not its code (a guest), as
   * GitLab's `authorize_read_code!`.
   */
  async openRepository(who: Identity | null, ref: number | string): Promise<ReadableRepository> {
    const visible = await this.get(who, ref);
    if (!canReadCode(who, visible.project, visible.level)) throw new ForbiddenError('403 Forbidden');
    const { namespace, path } = visible.project;
    const [repoPath, defaultBranch] = await Promise.all([this.deps.repos.resolve(namespace, path), this.deps.repos.headBranch(namespace, path)]);
    if (!repoPath) throw new NotFoundError(NOT_FOUND);
    return { ...visible, repoPath, defaultBranch };
  }

  /** Deletes the project and its repository; owners and administrators only. */
  async delete(actor: Identity, ref: number | string): Promise<void> {
    const { project, level } = await this.get(actor, ref);
    if (level < AccessLevel.owner) throw new ForbiddenError('403 Forbidden');
    await this.deps.projects.delete(project.id);
    await this.deps.repos.remove(project.namespace, project.path);
  }

  async listMembers(actor: Identity, ref: number | string, limit?: number, offset?: number): Promise<{ project: Project; members: Member[]; total: number }> {
    const { project } = await this.get(actor, ref);
    const [members, total] = await Promise.all([
      this.deps.projects.listMembers(project.id, limit, offset),
      this.deps.projects.countMembers(project.id),
    ]);
    return { project, members, total };
  }

  async getMember(actor: Identity, ref: number | string, userId: number): Promise<Member> {
    const { project } = await this.get(actor, ref);
    const member = await this.deps.projects.findMember(project.id, userId);
    if (!member) throw new NotFoundError('404 Member');
    return member;
  }

  /**
   * Adds or changes a membership. Maintainers and up may manage members;
   * nobody may grant more than their own level or change a member who
   * outranks them (so only owners and administrators touch owners).
   */
  async setMember(actor: Identity, ref: number | string, userId: number, accessLevel: number, mode: 'add' | 'update'): Promise<Member> {
    const { project, level } = await this.get(actor, ref);
    if (level < AccessLevel.maintainer) throw new ForbiddenError('403 Forbidden');
    if (!isAccessLevel(accessLevel)) throw new ValidationError('access_level', 'access_level does not have a valid value');
    if (accessLevel > level) throw new ForbiddenError('403 Forbidden');
    if (!(await this.deps.users.findById(userId))) throw new NotFoundError('404 User');
    const existing = await this.deps.projects.findMember(project.id, userId);
    if (mode === 'add' && existing) throw new ValidationError('user_id', 'Member already exists');
    if (mode === 'update' && !existing) throw new NotFoundError('404 Member');
    // Nobody changes a member who outranks them (a maintainer cannot demote an owner).
    if (existing && existing.accessLevel > level) throw new ForbiddenError('403 Forbidden');
    return this.deps.projects.upsertMember({
      projectId: project.id,
      userId,
      accessLevel,
      createdAt: existing?.createdAt ?? this.deps.clock.now(),
    });
  }

  async removeMember(actor: Identity, ref: number | string, userId: number): Promise<void> {
    const { project, level } = await this.get(actor, ref);
    const member = await this.deps.projects.findMember(project.id, userId);
    const self = userId === actor.id;
    if (!self && level < AccessLevel.maintainer) throw new ForbiddenError('403 Forbidden');
    if (!member) throw new NotFoundError('404 Member');
    if (!self && member.accessLevel > level) throw new ForbiddenError('403 Forbidden');
    await this.deps.projects.removeMember(project.id, userId);
  }

  private async find(ref: number | string): Promise<Project | null> {
    if (typeof ref === 'number') return this.deps.projects.findById(ref);
    const slash = ref.indexOf('/');
    if (slash <= 0 || ref.indexOf('/', slash + 1) !== -1) return null;
    return this.deps.projects.findByPath(ref.slice(0, slash), ref.slice(slash + 1));
  }

  private async targetNamespace(actor: Identity, requested: string | null): Promise<string> {
    let namespace = actor.username;
    if (requested && requested.toLowerCase() !== actor.username.toLowerCase()) {
      if (!actor.isAdmin) throw new ForbiddenError('403 Forbidden');
      const owner = await this.deps.users.findByUsername(requested);
      if (!owner) throw new NotFoundError('404 Namespace');
      namespace = owner.username;
    }
    // A restricted token creates projects only in its namespaces (a new project is in no list of ids).
    if (actor.reach && !actor.reach.namespaces.includes(namespace.toLowerCase())) {
      throw new ForbiddenError(`This token may not create projects in ${namespace}`);
    }
    return namespace;
  }
}

/** Parses a visibility name; ValidationError otherwise. */
export function parseVisibility(value: string): Visibility {
  if ((VISIBILITIES as readonly string[]).includes(value)) return value as Visibility;
  throw new ValidationError('visibility', 'visibility does not have a valid value');
}

function isAccessLevel(value: number): boolean {
  return value !== AccessLevel.none && (Object.values(AccessLevel) as number[]).includes(value);
}
