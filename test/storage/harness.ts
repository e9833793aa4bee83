import { NO_RESTRICTIONS } from '../../src/identity/token-restrictions.js';
/** Fresh stores per test on one engine, plus builders for valid records. */
import { afterEach, beforeEach } from 'vitest';
import type { NewProject } from '../../src/projects/project.js';
import { openStores } from '../../src/storage/stores.js';
import type { Stores } from '../../src/storage/stores.js';
import type { NewPersonalAccessToken } from '../../src/tokens/token.js';
import type { NewUser } from '../../src/users/user.js';
import { createTestDatabase } from '../support/databases.js';
import type { TestDatabase, TestDatabaseKind } from '../support/databases.js';

/** Registers hooks that give each test a new migrated database; call the result inside a test. */
export function useStores(kind: TestDatabaseKind): () => Stores {
  let current: { database: TestDatabase; stores: Stores } | undefined;
  beforeEach(async () => {
    const database = await createTestDatabase(kind);
    current = { database, stores: await openStores(database.config) };
  });
  afterEach(async () => {
    await current?.stores.close();
    await current?.database.drop();
    current = undefined;
  });
  return () => {
    if (!current) throw new Error('useStores: called outside a test');
    return current.stores;
  };
}

let serial = 0;
const next = (): number => ++serial;

export const T0 = new Date('2026-01-15T12:00:00.123Z');

/** A valid new user with unique names. */
export function newUser(overrides: Partial<NewUser> = {}): NewUser {
  const n = next();
  return {
    username: `user${n}`,
    email: `user${n}@example.com`,
    name: `User ${n}`,
    passwordHash: null,
    isAdmin: false,
    createdAt: T0,
    ...overrides,
  };
}

/** A valid new token of `userId` with a unique digest. */
export function newToken(userId: number, overrides: Partial<NewPersonalAccessToken> = {}): NewPersonalAccessToken {
  const n = next();
  return {
    userId,
    name: `token ${n}`,
    description: null,
    scopes: ['read_repository'],
    digest: `digest-${n}`.padEnd(64, '0'),
    lastFour: String(n).padStart(4, '0').slice(-4),
    expiresAt: null,
    createdAt: T0,
    previousTokenId: null,
    restrictions: NO_RESTRICTIONS,
    parentTokenId: null,
    ...overrides,
  };
}

/** A valid new project created by `creatorId`. */
export function newProject(creatorId: number, overrides: Partial<NewProject> = {}): NewProject {
  const n = next();
  return {
    namespace: 'owner',
    path: `project-${n}`,
    name: `Project ${n}`,
    description: null,
    visibility: 'private',
    creatorId,
    createdAt: T0,
    ...overrides,
  };
}
