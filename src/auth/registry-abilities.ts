/**
 * Which container registry actions a principal may have on a project: the
 * git rules (DESIGN.md, "Authorization rules") applied to images.
 */
import { canPush, canReadCode } from '../projects/project-access.js';
import { AccessLevel } from '../identity/access-level.js';
import { type Project } from '../projects/project.js';
import { identityOf, type Principal } from '../identity/principal.js';
import { scopesAllow, type Ability } from '../identity/scopes.js';

/** The actions distribution's registry asks for; `*` means all of them. */
export const REGISTRY_ACTIONS = ['pull', 'push', 'delete', '*'] as const;

export type RegistryAction = (typeof REGISTRY_ACTIONS)[number];

/** The token scope ability and the project rule each action needs. */
const RULES: Record<RegistryAction, { ability: Ability; signedIn: boolean; allowed(p: ProjectFacts): boolean }> = {
  pull: { ability: 'read_registry', signedIn: false, allowed: (p) => p.canRead },
  push: { ability: 'write_registry', signedIn: true, allowed: (p) => canPush(p.level) },
  // `*` grants every action (distribution's actionSet), so it needs what the strongest one needs.
  delete: { ability: 'write_registry', signedIn: true, allowed: (p) => p.level >= AccessLevel.maintainer },
  '*': { ability: 'write_registry', signedIn: true, allowed: (p) => p.level >= AccessLevel.maintainer },
};

/** What the rules need to know about the principal's relation to one project. */
export interface ProjectFacts {
  /** May read the project's code (public, internal and signed in, or reporter and up). */
  canRead: boolean;
  /** Effective access level (owner for the namespace owner and administrators). */
  level: number;
}

/** The facts for `principal` on `project` at effective `level`. */
export function projectFacts(principal: Principal, project: Project, level: number): ProjectFacts {
  return { canRead: canReadCode(identityOf(principal), project, level), level };
}

/**
 * True when `principal` may perform `action`: `pull` needs read access and
 * `read_registry`, `write_registry` or `api`; `push` needs developer and
 * `write_registry` or `api`; `delete` and `*` need maintainer and
 * `write_registry` or `api`. A password sign-in has its account's full
 * rights; anonymous callers may only pull public projects. Unknown actions
 * are never allowed.
 */
export function registryActionAllowed(principal: Principal, action: string, project: ProjectFacts): boolean {
  if (!isRegistryAction(action)) return false;
  const rule = RULES[action];
  if (rule.signedIn && principal.kind === 'anonymous') return false;
  if (principal.kind === 'token' && !scopesAllow(principal.scopes, rule.ability)) return false;
  // Reading is a precondition of every action: nobody pushes to a project they cannot see.
  return project.canRead && rule.allowed(project);
}

/**
 * May list every repository (`registry:catalog:*`, the registry's
 * `/v2/_catalog`): administrators only, as in GitLab, with a token that may
 * read the registry.
 */
export function catalogAllowed(principal: Principal): boolean {
  if (principal.kind === 'anonymous' || !principal.user.isAdmin) return false;
  // The catalog names every repository: not for a token limited to some projects.
  if (principal.user.reach) return false;
  return principal.kind === 'token' ? scopesAllow(principal.scopes, 'read_registry') : true;
}

/**
 * The project a registry repository name belongs to: its first two
 * components (`namespace/project`); anything below names an image in it.
 *
 * @example projectOfRepositoryName('alice/app/web') // { namespace: 'alice', project: 'app', image: 'web' }
 */
export function projectOfRepositoryName(name: string): { namespace: string; project: string; image: string } | null {
  const [namespace, project, ...image] = name.split('/');
  return namespace && project ? { namespace, project, image: image.join('/') } : null;
}

function isRegistryAction(action: string): action is RegistryAction {
  return (REGISTRY_ACTIONS as readonly string[]).includes(action);
}
