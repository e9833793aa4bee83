import { describe, expect, it } from 'vitest';
import type { NewSshKey } from '../../src/ssh-keys/ssh-key.js';
import { ConflictError } from '../../src/lib/errors.js';
import { databaseKinds } from '../support/databases.js';
import { newUser, T0, useStores } from './harness.js';

const key = (userId: number, n: number, overrides: Partial<NewSshKey> = {}): NewSshKey => ({
  userId,
  title: `key ${n}`,
  key: `ssh-ed25519 AAAA${n} me@host`,
  fingerprint: `SHA256:fingerprint-${n}`,
  usageType: 'auth_and_signing',
  createdAt: T0,
  expiresAt: null,
  ...overrides,
});

describe.each(databaseKinds())('SshKeyStore on %s', (kind) => {
  const stores = useStores(kind);

  it('round-trips keys, lists them per user by id, counts and touches them', async () => {
    const s = stores();
    const [alice, bob] = [await s.users.create(newUser()), await s.users.create(newUser())];
    const expires = new Date('2030-01-01T00:00:00.250Z');
    const first = await s.sshKeys.create(key(alice.id, 1, { expiresAt: expires, usageType: 'auth' }));
    await s.sshKeys.create(key(bob.id, 2));
    const third = await s.sshKeys.create(key(alice.id, 3));
    expect(first).toEqual({ ...key(alice.id, 1, { expiresAt: expires, usageType: 'auth' }), id: first.id, lastUsedAt: null });
    expect((await s.sshKeys.listByUser(alice.id)).map((k) => k.id)).toEqual([first.id, third.id]);
    expect((await s.sshKeys.listByUser(alice.id, { limit: 1, offset: 1 })).map((k) => k.id)).toEqual([third.id]);
    expect(await s.sshKeys.countByUser(alice.id)).toBe(2);
    expect(await s.sshKeys.findByFingerprint('SHA256:fingerprint-3')).toEqual(third);
    await s.sshKeys.touch(third.id, T0);
    expect((await s.sshKeys.findById(third.id))?.lastUsedAt).toEqual(T0);
  });

  it('keeps fingerprints unique across users, deletes, and cascades with the user', async () => {
    const s = stores();
    const [alice, bob] = [await s.users.create(newUser()), await s.users.create(newUser())];
    const k = await s.sshKeys.create(key(alice.id, 1));
    await expect(s.sshKeys.create(key(bob.id, 1))).rejects.toBeInstanceOf(ConflictError);
    expect(await s.sshKeys.delete(k.id)).toBe(true);
    expect(await s.sshKeys.delete(k.id)).toBe(false);
    const again = await s.sshKeys.create(key(bob.id, 1));
    await s.users.delete(bob.id);
    expect(await s.sshKeys.findById(again.id)).toBeNull();
  });
});
