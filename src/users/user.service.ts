/**
 * Accounts: creation, password sign-in, state and role changes. Every change
 * that affects authorization invalidates the user's cached token records
 * before it returns, so the next request on any instance sees it.
 */
import { z } from 'zod';
import { authorOf, userEntity, type AuditAction } from '../audit/audit-event.js';
import type { AuditRecorder } from '../audit/audit-log.js';
import type { Identity } from '../identity/principal.js';
import type { Clock } from '../lib/clock.js';
import { NotFoundError, UnauthorizedError, ValidationError, refusing } from '../lib/errors.js';
import { hashPassword, verifyPassword } from '../lib/password.js';
import { isValidPathSegment } from '../lib/path-segment.js';
import type { AccountCaches } from './account-caches.js';
import type { User, UserPatch } from './user.js';
import type { UserQuery, UserStore } from './user.store.js';

/** Fields accepted when creating an account. */
export interface CreateUserInput {
  username: string;
  email?: string | null;
  name?: string | null;
  password?: string | null;
  isAdmin?: boolean;
}

export interface UserServiceDeps {
  users: UserStore;
  /** Caches that hold facts about accounts (token lookups), forgotten on every change. */
  caches: AccountCaches;
  clock: Clock;
  /** Names no new account may take (case-insensitive): the shared SSH user's. */
  reservedUsernames?: readonly string[];
  audit: AuditRecorder;
}

const MIN_PASSWORD = 8;
const email = z.email();

export class UserService {
  constructor(private readonly deps: UserServiceDeps) {}

  /** Creates an account; ValidationError / ConflictError name the field. */
  async create(input: CreateUserInput): Promise<User> {
    const username = input.username?.trim() ?? '';
    if (!isValidPathSegment(username)) {
      throw new ValidationError('username', 'username is invalid (letters, digits, "_", "-", "." only)');
    }
    if (this.deps.reservedUsernames?.some((name) => name.toLowerCase() === username.toLowerCase())) {
      throw new ValidationError('username', `username ${username} is reserved`);
    }
    const address = input.email?.trim() || `${username.toLowerCase()}@gitgate.invalid`;
    if (!email.safeParse(address).success) throw new ValidationError('email', 'email is invalid');
    if (input.password != null) this.checkPassword(input.password);
    return this.deps.users.create({
      username,
      email: address,
      name: input.name?.trim() || username,
      passwordHash: input.password != null ? await hashPassword(input.password) : null,
      isAdmin: input.isAdmin ?? false,
      createdAt: this.deps.clock.now(),
    });
  }

  /**
   * Checks `password` against an account the caller looked up with
   * findByLogin (null: none, answered in the same time as a real check).
   * Throws UnauthorizedError ('invalid' or 'blocked'); callers apply the
   * lockout and 2FA policy.
   */
  async verifyAccountPassword(user: User | null, password: string): Promise<User> {
    const ok = await verifyPassword(user?.passwordHash ?? null, password);
    const whose = { kind: 'password', ...(user ? { user: { id: user.id, username: user.username } } : {}) } as const;
    if (!user || !ok) throw refusing(new UnauthorizedError('invalid'), whose);
    if (user.state !== 'active') throw refusing(new UnauthorizedError('blocked', 'Your account has been blocked.'), whose);
    return user;
  }

  /** The user, or NotFoundError('404 User'). */
  async get(id: number): Promise<User> {
    const user = await this.deps.users.findById(id);
    if (!user) throw new NotFoundError('404 User');
    return user;
  }

  /** The user by username (case-insensitive), or NotFoundError('404 User'). */
  async getByUsername(username: string): Promise<User> {
    const user = await this.deps.users.findByUsername(username);
    if (!user) throw new NotFoundError('404 User');
    return user;
  }

  /** The users with these ids that exist, in the order given (duplicates once). */
  async getMany(ids: readonly number[]): Promise<User[]> {
    const found = await Promise.all([...new Set(ids)].map((id) => this.deps.users.findById(id)));
    return found.filter((u): u is User => u !== null);
  }

  /** The user whose username or email is `login` (case-insensitive), or null. */
  findByLogin(login: string): Promise<User | null> {
    return this.deps.users.findByLogin(login);
  }

  async list(query: UserQuery): Promise<{ users: User[]; total: number }> {
    const [users, total] = await Promise.all([this.deps.users.list(query), this.deps.users.count(query)]);
    return { users, total };
  }

  /** Sets the account's e-mail address, where token notices go (validated; ConflictError when taken). */
  setEmail(id: number, address: string): Promise<User> {
    const trimmed = address.trim();
    if (!email.safeParse(trimmed).success) throw new ValidationError('email', 'email is invalid');
    return this.update(id, { email: trimmed });
  }

  /** Sets a new password (validated and hashed); `actor` made the change (default: the account itself). */
  async setPassword(id: number, password: string, actor?: Identity): Promise<User> {
    this.checkPassword(password);
    return this.update(id, { passwordHash: await hashPassword(password) }, actor);
  }

  /**
   * Applies `patch` and invalidates every cached token record of the user
   * before returning (admin flag, state and 2FA are part of those records).
   * A change of credentials — a new password, two-factor authentication
   * turned on or off, blocking — also ends every web session of the user.
   * Those changes and unblocking are audited as made by `actor` (default:
   * the account itself).
   */
  async update(id: number, patch: UserPatch, actor?: Identity): Promise<User> {
    const endSessions = patch.passwordHash !== undefined || patch.twoFactorEnabled !== undefined || patch.state === 'blocked';
    const watched = patch.state !== undefined || patch.twoFactorEnabled !== undefined;
    const before = watched ? await this.deps.users.findById(id) : null;
    const user = await this.deps.users.update(id, patch, { endSessions });
    if (!user) throw new NotFoundError('404 User');
    await this.deps.caches.forget(id);
    await this.recordChanges(user, changes(before, user, patch), actor ?? user);
    return user;
  }

  block(id: number, actor?: Identity): Promise<User> {
    return this.update(id, { state: 'blocked' }, actor);
  }

  unblock(id: number, actor?: Identity): Promise<User> {
    return this.update(id, { state: 'active' }, actor);
  }

  /** See UserStore.consumeRecoveryCode: true for the one caller that consumed it. */
  consumeRecoveryCode(id: number, digest: string): Promise<boolean> {
    return this.deps.users.consumeRecoveryCode(id, digest);
  }

  /** See UserStore.consumeOtpTimestep: false when the step was already used. */
  consumeOtpTimestep(id: number, step: number): Promise<boolean> {
    return this.deps.users.consumeOtpTimestep(id, step);
  }

  /** See UserStore.replaceOtpSecret: false when the stored secret is no longer `expected`. */
  replaceOtpSecret(id: number, expected: string, next: string): Promise<boolean> {
    return this.deps.users.replaceOtpSecret(id, expected, next);
  }

  /** Deletes the account, its tokens and memberships. */
  async delete(id: number): Promise<void> {
    const forget = await this.deps.caches.prepareDeletion(id);
    if (!(await this.deps.users.delete(id))) throw new NotFoundError('404 User');
    await forget();
  }

  private async recordChanges(user: User, actions: AuditAction[], actor: Pick<Identity, 'id' | 'username'>): Promise<void> {
    for (const action of actions) {
      await this.deps.audit.record({
        action,
        author: authorOf(actor),
        entity: userEntity(user),
        target: { type: 'User', id: user.id, details: user.username },
      });
    }
  }

  private checkPassword(password: string): void {
    if (password.length < MIN_PASSWORD) {
      throw new ValidationError('password', `password is too short (minimum is ${MIN_PASSWORD} characters)`);
    }
  }
}

/** The audited changes `patch` made: a new password, blocking, unblocking, 2FA on or off. */
function changes(before: User | null, after: User, patch: UserPatch): AuditAction[] {
  const actions: AuditAction[] = [];
  if (patch.passwordHash !== undefined) actions.push('password_changed');
  if (before && before.state !== after.state) actions.push(after.state === 'blocked' ? 'user_blocked' : 'user_unblocked');
  if (before && before.twoFactorEnabled !== after.twoFactorEnabled) actions.push(after.twoFactorEnabled ? 'two_factor_enabled' : 'two_factor_disabled');
  return actions;
}
