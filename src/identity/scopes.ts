/**
 * Personal access token scopes: a closed set, parsed in one place.
 * Mirrors GitLab's `Gitlab::Auth` scope list for personal access tokens.
 */
import { ValidationError } from '../lib/errors.js';

export const SCOPES = [
  'api',
  'read_api',
  'read_user',
  'read_repository',
  'write_repository',
  'read_registry',
  'write_registry',
  'sudo',
] as const;

export type Scope = (typeof SCOPES)[number];

/** What GitLab's token page says of each scope. */
export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  api: 'Grants complete read/write access to the API, including all groups and projects, the container registry, and the package registry.',
  read_api: 'Grants read access to the API, including all groups and projects, the container registry, and the package registry.',
  read_user: 'Grants read-only access to your profile through the /user API endpoint.',
  read_repository: 'Grants read-only access to repositories on private projects using Git-over-HTTP or the Repository Files API.',
  write_repository: 'Grants read-write access to repositories on private projects using Git-over-HTTP (not using the API).',
  read_registry: 'Grants read-only access to container registry images on private projects.',
  write_registry: 'Grants write access to container registry images on private projects.',
  sudo: 'Grants permission to perform API actions as any user in the system, when authenticated as an admin user.',
};

/** True when `value` names a known scope. */
export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/**
 * Parses a scope list given as an array or as a comma/space separated string.
 * Duplicates collapse; an empty list or any unknown scope is a ValidationError.
 */
export function parseScopes(input: readonly string[] | string): Scope[] {
  const parts = (typeof input === 'string' ? input.split(/[\s,]+/) : input.flatMap((s) => s.split(/[\s,]+/)))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (parts.length === 0) throw new ValidationError('scopes', 'scopes is missing');
  const unknown = parts.filter((s) => !isScope(s));
  if (unknown.length > 0) {
    throw new ValidationError('scopes', `scopes does not have a valid value: ${unknown.join(', ')}`);
  }
  return SCOPES.filter((s) => parts.includes(s));
}

/** Scope sets that allow each kind of action (DESIGN.md authorization table). */
export const ABILITY_SCOPES = {
  read_repository: ['read_repository', 'write_repository', 'api', 'read_api'],
  write_repository: ['write_repository', 'api'],
  read_user: ['read_user', 'read_api', 'api'],
  read_api: ['read_api', 'api'],
  write_api: ['api'],
  read_registry: ['read_registry', 'write_registry', 'api'],
  write_registry: ['write_registry', 'api'],
  sudo: ['sudo'],
} as const satisfies Record<string, readonly Scope[]>;

export type Ability = keyof typeof ABILITY_SCOPES;

/** True when any of `scopes` grants `ability`. */
export function scopesAllow(scopes: readonly Scope[], ability: Ability): boolean {
  const allowed: readonly Scope[] = ABILITY_SCOPES[ability];
  return scopes.some((s) => allowed.includes(s));
}

/**
 * Whether `scope` grants nothing that `scopes` do not: every ability it
 * allows, they allow too (`read_user` is within `api`; `sudo` only within `sudo`).
 */
export function scopeWithin(scope: Scope, scopes: readonly Scope[]): boolean {
  return (Object.keys(ABILITY_SCOPES) as Ability[]).every((ability) => {
    const allowed: readonly Scope[] = ABILITY_SCOPES[ability];
    return !allowed.includes(scope) || scopesAllow(scopes, ability);
  });
}
