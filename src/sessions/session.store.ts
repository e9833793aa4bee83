import type { SessionData, SessionRecord } from './session.js';

/**
 * Persistence of browser sessions. Implementations: SQL (`web_sessions`);
 * a Redis one can follow. Keys are digests, so a leaked store does not leak
 * usable cookies.
 */
export interface SessionStore {
  create(session: SessionRecord): Promise<void>;
  /** The session under `key` whatever its expiry (the service judges that), or null. */
  find(key: string): Promise<SessionRecord | null>;
  /** Replaces the data; false when the session is gone. */
  updateData(key: string, data: SessionData): Promise<boolean>;
  /** Records activity and moves the deadline; false when the session is gone. */
  touch(key: string, lastSeenAt: Date, expiresAt: Date): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Deletes every session of the user; returns how many there were. */
  deleteAllOfUser(userId: number): Promise<number>;
  /** Deletes sessions whose deadline is at or before `now`; returns how many. */
  deleteExpired(now: Date): Promise<number>;
}
