/**
 * GitLab's project permission rules as pure functions over an identity,
 * a project and a membership.
 */
import type { Identity } from '../identity/principal.js';
import { AccessLevel } from '../identity/access-level.js';
import { type Member, type Project } from './project.js';

/**
 * The effective access level: owner for the namespace owner and for
 * administrators, else the membership level, else none.
 */
export function effectiveAccessLevel(who: Identity | null, project: Project, member: Member | null): number {
  if (!who) return AccessLevel.none;
  if (who.isAdmin || who.username.toLowerCase() === project.namespace.toLowerCase()) return AccessLevel.owner;
  return member?.accessLevel ?? AccessLevel.none;
}

/**
 * May read the code: public for everyone, internal for any signed-in user,
 * private from reporter up (guests cannot read private code in GitLab).
 */
export function canReadCode(who: Identity | null, project: Project, level: number): boolean {
  if (project.visibility === 'public') return true;
  if (project.visibility === 'internal' && who) return true;
  return level >= AccessLevel.reporter;
}

/** May know the project exists (GitLab shows private projects to guests too). */
export function canSeeProject(who: Identity | null, project: Project, level: number): boolean {
  return canReadCode(who, project, level) || level >= AccessLevel.guest;
}

/** May push: developer and up. */
export function canPush(level: number): boolean {
  return level >= AccessLevel.developer;
}
