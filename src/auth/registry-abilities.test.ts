import { describe, expect, it } from 'vitest';
import type { Project } from '../projects/project.js';
import { ANONYMOUS, type Principal } from '../identity/principal.js';
import { catalogAllowed, projectFacts, projectOfRepositoryName, registryActionAllowed } from './registry-abilities.js';
import type { Scope } from '../identity/scopes.js';
import { NO_RESTRICTIONS } from '../identity/token-restrictions.js';

const user = { id: 7, username: 'bob', isAdmin: false };
const token = (...scopes: Scope[]): Principal => ({ kind: 'token', user, tokenId: 1, scopes, restrictions: NO_RESTRICTIONS, token: { name: 'ci', expiresAt: null } });
const password: Principal = { kind: 'password', user };
const project = (visibility: Project['visibility']): Project => ({
  id: 1,
  namespace: 'alice',
  path: 'app',
  name: 'app',
  description: null,
  visibility,
  creatorId: 1,
  createdAt: new Date(0),
});
const LEVEL = { none: 0, guest: 10, reporter: 20, developer: 30, maintainer: 40, owner: 50 } as const;

/** The actions of pull, push, delete, * that are kept. */
function kept(principal: Principal, visibility: Project['visibility'], level: keyof typeof LEVEL): string {
  const facts = projectFacts(principal, project(visibility), LEVEL[level]);
  return ['pull', 'push', 'delete', '*'].filter((a) => registryActionAllowed(principal, a, facts)).join(',');
}

describe('registryActionAllowed (the action filtering table)', () => {
  it.each([
    // principal, visibility, level, actions kept
    ['read_registry', 'private', 'reporter', 'pull'],
    ['read_registry', 'private', 'owner', 'pull'],
    ['write_registry', 'private', 'reporter', 'pull'],
    ['write_registry', 'private', 'developer', 'pull,push'],
    ['write_registry', 'private', 'maintainer', 'pull,push,delete,*'],
    ['api', 'private', 'developer', 'pull,push'],
    ['api', 'private', 'maintainer', 'pull,push,delete,*'],
    ['api', 'private', 'owner', 'pull,push,delete,*'],
    ['api', 'private', 'guest', ''],
    ['api', 'private', 'none', ''],
    ['read_registry', 'public', 'none', 'pull'],
    ['write_registry', 'public', 'none', 'pull'],
    ['read_registry', 'internal', 'none', 'pull'],
    ['read_repository', 'private', 'owner', ''],
    ['write_repository', 'private', 'owner', ''],
    ['read_api', 'private', 'owner', ''],
    ['read_user', 'public', 'owner', ''],
    ['sudo', 'public', 'owner', ''],
  ] as const)('a %s token on a %s project as %s keeps [%s]', (scope, visibility, level, actions) => {
    expect(kept(token(scope), visibility, level)).toBe(actions);
  });

  it.each([
    ['private', 'none', ''],
    ['private', 'guest', ''],
    ['private', 'reporter', 'pull'],
    ['private', 'developer', 'pull,push'],
    ['private', 'maintainer', 'pull,push,delete,*'],
    ['internal', 'none', 'pull'],
    ['public', 'none', 'pull'],
  ] as const)('a password sign-in on a %s project as %s keeps [%s]', (visibility, level, actions) => {
    expect(kept(password, visibility, level)).toBe(actions);
  });

  it.each([
    ['public', 'pull'],
    ['internal', ''],
    ['private', ''],
  ] as const)('anonymous on a %s project keeps [%s]', (visibility, actions) => {
    expect(kept(ANONYMOUS, visibility, 'none')).toBe(actions);
  });

  it('never allows an unknown action, whatever the rights', () => {
    const facts = projectFacts(password, project('public'), LEVEL.owner);
    for (const action of ['', 'frob', 'PULL', 'admin', 'pull,push']) expect(registryActionAllowed(password, action, facts)).toBe(false);
  });
});

describe('catalogAllowed', () => {
  const admin = { id: 1, username: 'root', isAdmin: true };
  it.each([
    [{ kind: 'token', user: admin, tokenId: 1, scopes: ['read_registry'] }, true],
    [{ kind: 'token', user: admin, tokenId: 1, scopes: ['api'] }, true],
    [{ kind: 'token', user: admin, tokenId: 1, scopes: ['read_repository', 'sudo'] }, false],
    [{ kind: 'password', user: admin }, true],
    [token('api'), false],
    [password, false],
    [ANONYMOUS, false],
  ] as [Principal, boolean][])('%j → %s', (principal, allowed) => {
    expect(catalogAllowed(principal)).toBe(allowed);
  });
});

describe('projectOfRepositoryName', () => {
  it('takes the first two components as namespace and project', () => {
    expect(projectOfRepositoryName('alice/app')).toEqual({ namespace: 'alice', project: 'app', image: '' });
    expect(projectOfRepositoryName('alice/app/web/api')).toEqual({ namespace: 'alice', project: 'app', image: 'web/api' });
    expect(projectOfRepositoryName('alice')).toBeNull();
  });
});
