import type { NewUser, User, UserPatch, UserState } from './user.js';

/** Filters for listing users; all optional, combined with AND. */
export interface UserQuery {
  /** Case-insensitive substring of username or name, or of the email (see `emailMatch`). */
  search?: string;
  /**
   * Whether `search` also matches emails: `contains` (administrators, the
   * default) or `none` — as in GitLab, other users never find an account by
   * its private email, not even by the whole address, so the search cannot
   * tell them whose an address is.
   */
  emailMatch?: 'contains' | 'none';
  /** Exact username, case-insensitive. */
  username?: string;
  state?: UserState;
  isAdmin?: boolean;
  limit?: number;
  offset?: number;
}

/** Persistence of users. Implementations: SQLite and PostgreSQL. */
export interface UserStore {
  /** Inserts a user; throws ConflictError when username or email is taken. */
  create(user: NewUser): Promise<User>;
  findById(id: number): Promise<User | null>;
  /** Case-insensitive username match. */
  findByUsername(username: string): Promise<User | null>;
  /** Case-insensitive match on username or email; a username match wins. */
  findByLogin(login: string): Promise<User | null>;
  /** Ordered by id ascending. */
  list(query: UserQuery): Promise<User[]>;
  /** Counts what `list` would return without limit/offset. */
  count(query: UserQuery): Promise<number>;
  /**
   * Applies `patch`; returns the updated user or null when it does not exist.
   * With `endSessions`, also advances `sessionGeneration` in the same write.
   * Throws ConflictError when the new email is taken.
   */
  update(id: number, patch: UserPatch, options?: { endSessions?: boolean }): Promise<User | null>;
  /**
   * Removes one unused recovery code (its digest), atomically: true for
   * exactly one caller however many present the same code at once, and
   * codes consumed concurrently are never written back.
   */
  consumeRecoveryCode(id: number, digest: string): Promise<boolean>;
  /**
   * Records that the TOTP code of time step `step` was used, atomically:
   * true only when no code of this or a later step was consumed before
   * (so a code cannot be replayed, even by two concurrent sign-ins).
   */
  consumeOtpTimestep(id: number, step: number): Promise<boolean>;
  /**
   * Sets the stored TOTP secret to `next` only while it is still `expected`
   * (so a secret replaced or removed meanwhile is not written back); true
   * when it was replaced. Sessions are unaffected.
   */
  replaceOtpSecret(id: number, expected: string, next: string): Promise<boolean>;
  /**
   * Deletes the user with their tokens, memberships and web sessions; false
   * when absent. Projects they created remain.
   */
  delete(id: number): Promise<boolean>;
}
