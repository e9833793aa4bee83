import type { NewSshKey, SshKey } from './ssh-key.js';

/** Persistence of SSH keys. Implementations: SQLite and PostgreSQL. */
export interface SshKeyStore {
  /** Inserts a key; throws ConflictError when its fingerprint is already stored. */
  create(key: NewSshKey): Promise<SshKey>;
  findById(id: number): Promise<SshKey | null>;
  findByFingerprint(fingerprint: string): Promise<SshKey | null>;
  /** A user's keys, by id ascending. */
  listByUser(userId: number, page?: { limit: number; offset: number }): Promise<SshKey[]>;
  countByUser(userId: number): Promise<number>;
  /** Deletes the key; false when it was absent. */
  delete(id: number): Promise<boolean>;
  /** Records use of the key. */
  touch(id: number, at: Date): Promise<void>;
}
