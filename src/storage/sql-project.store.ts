/** ProjectStore on Kysely, for SQLite and PostgreSQL alike. */
import type { Expression, ExpressionBuilder, Kysely, SelectQueryBuilder, SqlBool, Updateable } from 'kysely';
import { sql } from 'kysely';
import { ConflictError } from '../lib/errors.js';
import { VISIBILITIES } from '../projects/project.js';
import type { Member, NewProject, Project, ProjectPatch, Visibility } from '../projects/project.js';
import type { ProjectQuery, ProjectStore } from '../projects/project.store.js';
import type { DialectHelper } from './dialects/dialect.js';
import type { MemberRow, ProjectRow, ProjectsTable, Schema } from './schema.js';
import { containsIgnoreCase, equalsIgnoreCase, pageOf, toCount } from './sql-helpers.js';

type ProjectSelect = SelectQueryBuilder<Schema, 'projects', object>;
type Viewer = { userId: number; username: string };

/** Projects and memberships; lists are ordered by id (members by user id) ascending. */
export class SqlProjectStore implements ProjectStore {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly dialect: DialectHelper,
  ) {}

  async create(project: NewProject): Promise<Project> {
    try {
      const row = await this.db
        .insertInto('projects')
        .values({
          namespace: project.namespace,
          path: project.path,
          name: project.name,
          description: project.description,
          visibility: project.visibility,
          creator_id: project.creatorId,
          created_at: this.dialect.toTimestamp(project.createdAt),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return this.toProject(row);
    } catch (error) {
      if (this.dialect.uniqueViolation(error) !== null) throw new ConflictError('Project path has already been taken');
      throw error;
    }
  }

  async findById(id: number): Promise<Project | null> {
    const row = await this.db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? this.toProject(row) : null;
  }

  async findByPath(namespace: string, path: string): Promise<Project | null> {
    const row = await this.db
      .selectFrom('projects')
      .selectAll()
      .where(equalsIgnoreCase('namespace', namespace))
      .where(equalsIgnoreCase('path', path))
      .executeTakeFirst();
    return row ? this.toProject(row) : null;
  }

  async list(query: ProjectQuery): Promise<Project[]> {
    let qb = this.filtered(query).selectAll('projects').orderBy('projects.id', 'asc');
    const page = pageOf(query.limit, query.offset);
    if (page) qb = qb.limit(page.limit).offset(page.offset);
    return (await qb.execute()).map((row) => this.toProject(row));
  }

  async count(query: ProjectQuery): Promise<number> {
    const row = await this.filtered(query)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    return toCount(row?.n);
  }

  async update(id: number, patch: ProjectPatch): Promise<Project | null> {
    const values: Updateable<ProjectsTable> = {};
    if (patch.name !== undefined) values.name = patch.name;
    if (patch.description !== undefined) values.description = patch.description;
    if (patch.visibility !== undefined) values.visibility = patch.visibility;
    if (Object.keys(values).length === 0) return this.findById(id);
    const row = await this.db.updateTable('projects').set(values).where('id', '=', id).returningAll().executeTakeFirst();
    return row ? this.toProject(row) : null;
  }

  /** Memberships go with the project (foreign-key cascade). */
  async delete(id: number): Promise<boolean> {
    const result = await this.db.deleteFrom('projects').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async findMember(projectId: number, userId: number): Promise<Member | null> {
    const row = await this.db
      .selectFrom('project_members')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row ? this.toMember(row) : null;
  }

  async memberLevels(userId: number, projectIds: readonly number[]): Promise<Map<number, number>> {
    if (projectIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('project_members')
      .select(['project_id', 'access_level'])
      .where('user_id', '=', userId)
      .where('project_id', 'in', [...projectIds])
      .execute();
    return new Map(rows.map((row) => [row.project_id, row.access_level]));
  }

  /** Ordered by user id ascending. */
  async listMembers(projectId: number, limit?: number, offset?: number): Promise<Member[]> {
    let qb = this.db.selectFrom('project_members').selectAll().where('project_id', '=', projectId).orderBy('user_id', 'asc');
    const page = pageOf(limit, offset);
    if (page) qb = qb.limit(page.limit).offset(page.offset);
    return (await qb.execute()).map((row) => this.toMember(row));
  }

  async countMembers(projectId: number): Promise<number> {
    const row = await this.db
      .selectFrom('project_members')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('project_id', '=', projectId)
      .executeTakeFirst();
    return toCount(row?.n);
  }

  /** Replaces access level and createdAt of an existing membership. */
  async upsertMember(member: Member): Promise<Member> {
    const row = await this.db
      .insertInto('project_members')
      .values({
        project_id: member.projectId,
        user_id: member.userId,
        access_level: member.accessLevel,
        created_at: this.dialect.toTimestamp(member.createdAt),
      })
      .onConflict((oc) =>
        oc.columns(['project_id', 'user_id']).doUpdateSet((eb) => ({
          access_level: eb.ref('excluded.access_level'),
          created_at: eb.ref('excluded.created_at'),
        })),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    return this.toMember(row);
  }

  async removeMember(projectId: number, userId: number): Promise<boolean> {
    const result = await this.db
      .deleteFrom('project_members')
      .where('project_id', '=', projectId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  private filtered(query: ProjectQuery): ProjectSelect {
    let qb: ProjectSelect = this.db.selectFrom('projects');
    if (query.visibleTo === null) {
      qb = qb.where('projects.visibility', '=', 'public');
    } else if (query.visibleTo !== undefined) {
      const viewer = query.visibleTo;
      qb = qb.where((eb) =>
        eb.or([eb('projects.visibility', 'in', ['public', 'internal']), ...this.belongsTo(eb, viewer)]),
      );
    }
    if (query.memberOf !== undefined) {
      const viewer = query.memberOf;
      qb = qb.where((eb) => eb.or(this.belongsTo(eb, viewer)));
    }
    if (query.visibility !== undefined) qb = qb.where('projects.visibility', '=', query.visibility);
    if (query.search !== undefined) {
      const term = query.search;
      qb = qb.where((eb) => eb.or([containsIgnoreCase('projects.path', term), containsIgnoreCase('projects.name', term)]));
    }
    if (query.namespace !== undefined) qb = qb.where(equalsIgnoreCase('projects.namespace', query.namespace));
    if (query.within !== undefined) {
      const { projectIds, namespaces } = query.within;
      qb = qb.where((eb) => {
        const reached: Expression<SqlBool>[] = [];
        if (projectIds.length > 0) reached.push(eb('projects.id', 'in', [...projectIds]));
        if (namespaces.length > 0) reached.push(eb(sql<string>`lower(projects.namespace)`, 'in', [...namespaces]));
        return reached.length > 0 ? eb.or(reached) : sql<SqlBool>`1 = 0`;
      });
    }
    return qb;
  }

  /** Conditions for "the viewer is a member, or owns the namespace". */
  private belongsTo(eb: ExpressionBuilder<Schema, 'projects'>, viewer: Viewer): Expression<SqlBool>[] {
    return [
      eb.exists(
        eb
          .selectFrom('project_members')
          .select('project_members.user_id')
          .whereRef('project_members.project_id', '=', 'projects.id')
          .where('project_members.user_id', '=', viewer.userId),
      ),
      equalsIgnoreCase('projects.namespace', viewer.username),
    ];
  }

  private toProject(row: ProjectRow): Project {
    return {
      id: row.id,
      namespace: row.namespace,
      path: row.path,
      name: row.name,
      description: row.description,
      // Fail closed: an unknown stored visibility is treated as private.
      visibility: VISIBILITIES.find((v): v is Visibility => v === row.visibility) ?? 'private',
      creatorId: row.creator_id,
      createdAt: this.dialect.fromTimestamp(row.created_at),
    };
  }

  private toMember(row: MemberRow): Member {
    return {
      projectId: row.project_id,
      userId: row.user_id,
      accessLevel: row.access_level,
      createdAt: this.dialect.fromTimestamp(row.created_at),
    };
  }
}
