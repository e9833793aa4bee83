import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/lib/errors.js';
import { AccessLevel } from '../../src/identity/access-level.js';
import { databaseKinds } from '../support/databases.js';
import { newProject, newToken, newUser, useStores } from './harness.js';

describe.each(databaseKinds())('UserStore on %s', (kind) => {
  const stores = useStores(kind);

  it('creates a user with defaults and round-trips the creation time to the millisecond', async () => {
    const createdAt = new Date('2026-03-04T05:06:07.891Z');
    const user = await stores().users.create(newUser({ username: 'Alice', email: 'Alice@Example.com', isAdmin: true, passwordHash: '$argon2id$x', createdAt }));
    expect(user).toEqual({
      id: expect.any(Number),
      username: 'Alice',
      email: 'Alice@Example.com',
      name: expect.any(String),
      passwordHash: '$argon2id$x',
      isAdmin: true,
      state: 'active',
      sealedOtpSecret: null,
      twoFactorEnabled: false,
      otpBackupCodes: [],
      createdAt,
      sessionGeneration: 0,
    });
    expect(await stores().users.findById(user.id)).toEqual(user);
  });

  it('consumes each TOTP time step once, and never an older one', async () => {
    const user = await stores().users.create(newUser());
    const step = 59_000_000;
    expect(await stores().users.consumeOtpTimestep(user.id, step)).toBe(true);
    expect(await stores().users.consumeOtpTimestep(user.id, step)).toBe(false);
    expect(await stores().users.consumeOtpTimestep(user.id, step - 1)).toBe(false);
    const racing = await Promise.all([1, 2, 3].map(() => stores().users.consumeOtpTimestep(user.id, step + 1)));
    expect(racing.filter(Boolean)).toHaveLength(1);
    expect(await stores().users.consumeOtpTimestep(999_999, step)).toBe(false);
  });

  it('replaces the stored TOTP secret only while it is the expected one, leaving sessions alone', async () => {
    const user = await stores().users.create(newUser());
    await stores().users.update(user.id, { sealedOtpSecret: 'old' });
    expect(await stores().users.replaceOtpSecret(user.id, 'other', 'new')).toBe(false);
    expect(await stores().users.replaceOtpSecret(user.id, 'old', 'new')).toBe(true);
    expect(await stores().users.findById(user.id)).toMatchObject({ sealedOtpSecret: 'new', sessionGeneration: 0 });
    expect(await stores().users.replaceOtpSecret(user.id, 'old', 'newer')).toBe(false);
    await stores().users.update(user.id, { sealedOtpSecret: null });
    expect(await stores().users.replaceOtpSecret(user.id, 'new', 'newer')).toBe(false);
    expect((await stores().users.findById(user.id))?.sealedOtpSecret).toBeNull();
  });

  it('consumes each recovery code once, exactly one winner per code, and loses no concurrent consumption', async () => {
    const user = await stores().users.create(newUser());
    const codes = Array.from({ length: 8 }, (_, i) => `digest-${i}`);
    await stores().users.update(user.id, { otpBackupCodes: codes });
    const sameCode = await Promise.all(Array.from({ length: 8 }, () => stores().users.consumeRecoveryCode(user.id, 'digest-0')));
    expect(sameCode.filter(Boolean)).toHaveLength(1);
    const different = await Promise.all(codes.slice(1, 5).map((c) => stores().users.consumeRecoveryCode(user.id, c)));
    expect(different).toEqual([true, true, true, true]);
    expect((await stores().users.findById(user.id))?.otpBackupCodes).toEqual(codes.slice(5));
    expect(await stores().users.consumeRecoveryCode(user.id, 'digest-3')).toBe(false);
    expect(await stores().users.consumeRecoveryCode(999_999, 'digest-5')).toBe(false);
  });

  it('advances the session generation only when asked, in the same write', async () => {
    const user = await stores().users.create(newUser());
    expect((await stores().users.update(user.id, { name: 'Renamed' }))?.sessionGeneration).toBe(0);
    expect((await stores().users.update(user.id, { passwordHash: 'x' }, { endSessions: true }))?.sessionGeneration).toBe(1);
    expect((await stores().users.update(user.id, {}, { endSessions: true }))?.sessionGeneration).toBe(2);
  });

  it('rejects a username or email taken in another case', async () => {
    await stores().users.create(newUser({ username: 'Alice', email: 'alice@example.com' }));
    await expect(stores().users.create(newUser({ username: 'ALICE' }))).rejects.toThrow(
      new ConflictError('Username has already been taken'),
    );
    await expect(stores().users.create(newUser({ email: 'ALICE@example.COM' }))).rejects.toThrow(
      new ConflictError('Email has already been taken'),
    );
    await expect(stores().users.create(newUser({ username: 'alice' }))).rejects.toBeInstanceOf(ConflictError);
    expect(await stores().users.count({})).toBe(1);
  });

  it('finds by username and by login case-insensitively', async () => {
    const alice = await stores().users.create(newUser({ username: 'Alice', email: 'a@example.com' }));
    expect(await stores().users.findByUsername('aLiCe')).toEqual(alice);
    expect(await stores().users.findByUsername('alic')).toBeNull();
    expect(await stores().users.findByLogin('ALICE')).toEqual(alice);
    expect(await stores().users.findByLogin('A@EXAMPLE.com')).toEqual(alice);
    expect(await stores().users.findByLogin('nobody')).toBeNull();
    expect(await stores().users.findById(alice.id + 1000)).toBeNull();
  });

  it('lists and counts with every filter, ordered by id', async () => {
    const users = stores().users;
    const a = await users.create(newUser({ username: 'anna', name: 'Anna Smith', email: 'anna@corp.example' }));
    const b = await users.create(newUser({ username: 'bob', name: 'Bob 100%', email: 'bob@home.example', isAdmin: true }));
    const c = await users.create(newUser({ username: 'carol_x', name: 'Carol', email: 'carol@corp.example' }));
    await users.update(c.id, { state: 'blocked' });

    const ids = async (q: Parameters<typeof users.list>[0]) => (await users.list(q)).map((u) => u.id);
    expect(await ids({})).toEqual([a.id, b.id, c.id]);
    expect(await ids({ search: 'CORP' })).toEqual([a.id, c.id]);
    expect(await ids({ search: 'smith' })).toEqual([a.id]);
    expect(await ids({ search: 'CORP', emailMatch: 'none' })).toEqual([]);
    expect(await ids({ search: 'ANNA@corp.example', emailMatch: 'none' })).toEqual([]);
    expect(await ids({ search: '0%' })).toEqual([b.id]);
    expect(await ids({ search: '%' })).toEqual([b.id]);
    expect(await ids({ search: '_' })).toEqual([c.id]);
    expect(await ids({ username: 'BOB' })).toEqual([b.id]);
    expect(await ids({ state: 'blocked' })).toEqual([c.id]);
    expect(await ids({ state: 'active', isAdmin: false })).toEqual([a.id]);
    expect(await ids({ isAdmin: true })).toEqual([b.id]);
    expect(await ids({ limit: 2 })).toEqual([a.id, b.id]);
    expect(await ids({ limit: 1, offset: 1 })).toEqual([b.id]);
    expect(await ids({ offset: 2 })).toEqual([c.id]);
    expect(await users.count({ search: 'corp', limit: 1 })).toBe(2);
    expect(await users.count({ state: 'active' })).toBe(2);
  });

  it('updates every patchable field, including JSON recovery codes', async () => {
    const user = await stores().users.create(newUser());
    const patch = {
      email: 'new@example.com',
      name: 'New Name',
      passwordHash: 'hash',
      isAdmin: true,
      state: 'blocked',
      sealedOtpSecret: 'JBSWY3DPEHPK3PXP',
      twoFactorEnabled: true,
      otpBackupCodes: ['c1', 'c2"quoted"', 'ü'],
    } as const;
    const updated = await stores().users.update(user.id, { ...patch, otpBackupCodes: [...patch.otpBackupCodes] });
    expect(updated).toEqual({ ...user, ...patch });
    expect(await stores().users.findById(user.id)).toEqual(updated);
    expect(await stores().users.update(user.id, { passwordHash: null, sealedOtpSecret: null })).toMatchObject({ passwordHash: null, sealedOtpSecret: null });
    expect(await stores().users.update(user.id, {})).toMatchObject({ id: user.id, name: 'New Name' });
    expect(await stores().users.update(user.id + 1000, { name: 'x' })).toBeNull();
  });

  it('rejects changing the email to one taken in another case, but allows re-casing your own', async () => {
    await stores().users.create(newUser({ email: 'taken@example.com' }));
    const user = await stores().users.create(newUser({ email: 'mine@example.com' }));
    await expect(stores().users.update(user.id, { email: 'TAKEN@example.com' })).rejects.toThrow(
      new ConflictError('Email has already been taken'),
    );
    expect(await stores().users.update(user.id, { email: 'MINE@example.com' })).toMatchObject({ email: 'MINE@example.com' });
  });

  it('deletes a user with their tokens and memberships', async () => {
    const { users, tokens, projects } = stores();
    const user = await users.create(newUser());
    const other = await users.create(newUser());
    const token = await tokens.create(newToken(user.id));
    const kept = await tokens.create(newToken(other.id));
    const project = await projects.create(newProject(other.id));
    await projects.upsertMember({ projectId: project.id, userId: user.id, accessLevel: AccessLevel.developer, createdAt: new Date() });

    expect(await users.delete(user.id)).toBe(true);
    expect(await users.delete(user.id)).toBe(false);
    expect(await users.findById(user.id)).toBeNull();
    expect(await tokens.findById(token.id)).toBeNull();
    expect(await tokens.findById(kept.id)).not.toBeNull();
    expect(await projects.findMember(project.id, user.id)).toBeNull();
    expect(await projects.findById(project.id)).not.toBeNull();
  });
});
