/**
 * SSH keys: registration with GitLab's validation (key policy, unique
 * fingerprint, expiry), listing, removal, and the lookup the SSH server
 * makes when a client offers a key. Signatures are verified by the SSH edge;
 * this service decides whether a key may sign in as a given user.
 */
import { authorOf, userEntity, type AuditAction } from '../audit/audit-event.js';
import type { AuditRecorder } from '../audit/audit-log.js';
import type { Identity } from '../identity/principal.js';
import type { Clock } from '../lib/clock.js';
import { ConflictError, NotFoundError, UnauthorizedError, ValidationError } from '../lib/errors.js';
import type { User } from '../users/user.js';
import type { UserStore } from '../users/user.store.js';
import { fingerprintOf, parsePublicKey } from './openssh-public-key.js';
import { DEFAULT_SSH_KEY_USAGE, type SshKey, type SshKeyUsage } from './ssh-key.js';
import type { SshKeyStore } from './ssh-key.store.js';

/** What a caller gives to register a key. */
export interface AddSshKeyInput {
  title: string;
  /** An OpenSSH public key line. */
  key: string;
  expiresAt?: Date | null;
  usageType?: SshKeyUsage;
}

/** A key that may sign in, with its owner. */
export interface SshKeyMatch {
  key: SshKey;
  user: User;
}

export interface SshKeyServiceDeps {
  keys: SshKeyStore;
  users: UserStore;
  clock: Clock;
  /** Keys added and removed are audited. */
  audit: AuditRecorder;
}

/** GitLab's Keys::LastUsedService writes last_used_at at most once a day. */
const LAST_USED_INTERVAL_MS = 24 * 60 * 60 * 1000;

export class SshKeyService {
  constructor(private readonly deps: SshKeyServiceDeps) {}

  /** True once the key's expiry instant has passed. */
  isExpired(key: Pick<SshKey, 'expiresAt'>): boolean {
    return key.expiresAt !== null && this.deps.clock.now() >= key.expiresAt;
  }

  /**
   * Registers a key for `userId`; only that user or an administrator may.
   * ValidationError on `title`, `key` (see parsePublicKey; `has expired`) or
   * `fingerprint_sha256` (`has already been taken`, by anyone).
   */
  async add(actor: Identity, userId: number, input: AddSshKeyInput): Promise<SshKey> {
    const owner = await this.deps.users.findById(userId);
    if (!owner || (actor.id !== userId && !actor.isAdmin)) throw new NotFoundError('404 User');
    const title = (input.title ?? '').trim();
    if (title.length === 0) throw new ValidationError('title', "can't be blank");
    if (title.length > 255) throw new ValidationError('title', 'is too long (maximum is 255 characters)');
    const parsed = parsePublicKey(input.key ?? '');
    const expiresAt = input.expiresAt ?? null;
    if (expiresAt && this.isExpired({ expiresAt })) throw new ValidationError('key', 'has expired');
    const taken = (): ValidationError => new ValidationError('fingerprint_sha256', 'has already been taken');
    if (await this.deps.keys.findByFingerprint(parsed.fingerprint)) throw taken();
    const key = await this.deps.keys
      .create({
        userId,
        title,
        key: parsed.text,
        fingerprint: parsed.fingerprint,
        usageType: input.usageType ?? DEFAULT_SSH_KEY_USAGE,
        createdAt: this.deps.clock.now(),
        expiresAt,
      })
      .catch((err: unknown) => {
        throw err instanceof ConflictError ? taken() : err;
      });
    await this.record('ssh_key_added', actor, owner, key);
    return key;
  }

  /** A user's keys (public information, as in GitLab); NotFoundError for an unknown user. */
  async list(userId: number, page?: { limit: number; offset: number }): Promise<{ keys: SshKey[]; total: number }> {
    if (!(await this.deps.users.findById(userId))) throw new NotFoundError('404 User');
    const [keys, total] = await Promise.all([this.deps.keys.listByUser(userId, page), this.deps.keys.countByUser(userId)]);
    return { keys, total };
  }

  /** One of a user's keys, or NotFoundError('404 Key'). */
  async get(userId: number, keyId: number): Promise<SshKey> {
    const key = await this.deps.keys.findById(keyId);
    if (!key || key.userId !== userId) throw new NotFoundError('404 Key');
    return key;
  }

  /** Any key by id, for its owner or an administrator. */
  async getById(actor: Identity, keyId: number): Promise<SshKey> {
    const key = await this.deps.keys.findById(keyId);
    if (!key || (key.userId !== actor.id && !actor.isAdmin)) throw new NotFoundError('404 Key');
    return key;
  }

  /**
   * Deletes a key of `userId` (the user or an administrator). The next
   * connection offering it is refused; commands on open connections re-check.
   */
  async remove(actor: Identity, userId: number, keyId: number): Promise<SshKey> {
    if (actor.id !== userId && !actor.isAdmin) throw new NotFoundError('404 Key');
    const key = await this.get(userId, keyId);
    if (!(await this.deps.keys.delete(key.id))) throw new NotFoundError('404 Key');
    const owner = await this.deps.users.findById(userId);
    await this.record('ssh_key_removed', actor, { id: userId, username: owner?.username ?? '' }, key);
    return key;
  }

  /**
   * The registered key whose blob is `blob`, if it may sign in now: an
   * active owner, an unexpired key meant for authentication and — when
   * `username` is given — owned by the account of that name
   * (case-insensitive). With `username` null the key alone names the
   * account, as for GitLab Shell's shared `git` user: fingerprints are unique,
   * so a key belongs to one account. Throws UnauthorizedError otherwise
   * ('invalid', 'blocked', 'expired'). Has no side effects.
   */
  async find(username: string | null, blob: Buffer): Promise<SshKeyMatch> {
    const key = await this.deps.keys.findByFingerprint(fingerprintOf(blob));
    if (!key || !parsePublicKey(key.key).blob.equals(blob)) throw new UnauthorizedError('invalid');
    return this.check(key, (user) => username === null || user.username.toLowerCase() === username.toLowerCase());
  }

  /** Notes a sign-in with `key`, writing at most once a day; never throws. */
  async recordUse(key: SshKey): Promise<void> {
    const now = this.deps.clock.now();
    if (key.lastUsedAt && now.getTime() - key.lastUsedAt.getTime() < LAST_USED_INTERVAL_MS) return;
    // Bookkeeping must not decide a sign-in.
    await this.deps.keys.touch(key.id, now).catch(() => undefined);
  }

  /**
   * Re-checks a key that authenticated earlier as account `userId` (each
   * command on a long-lived connection): still there, still that account's,
   * the account active, the key unexpired.
   */
  async recheck(keyId: number, userId: number): Promise<SshKeyMatch> {
    const key = await this.deps.keys.findById(keyId);
    if (!key) throw new UnauthorizedError('revoked');
    return this.check(key, (user) => user.id === userId);
  }

  private record(action: AuditAction, actor: Identity, owner: Pick<User, 'id' | 'username'>, key: SshKey): Promise<void> {
    return this.deps.audit.record({
      action,
      author: authorOf(actor),
      entity: userEntity(owner),
      target: { type: 'Key', id: key.id, details: key.title },
      details: { fingerprint: key.fingerprint, usage_type: key.usageType },
    });
  }

  private async check(key: SshKey, owner: (user: User) => boolean): Promise<SshKeyMatch> {
    const user = await this.deps.users.findById(key.userId);
    if (!user || !owner(user)) throw new UnauthorizedError('invalid');
    if (user.state !== 'active') throw new UnauthorizedError('blocked', 'Your account has been blocked.');
    if (this.isExpired(key)) throw new UnauthorizedError('expired');
    if (key.usageType === 'signing') throw new UnauthorizedError('invalid');
    return { key, user };
  }
}
