/**
 * Browser sessions: unguessable ids handed to the browser once and stored
 * only as digests, idle and absolute deadlines measured on the injected
 * clock, and one-time messages sealed at rest.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../lib/clock.js';
import { open, seal } from '../lib/sealed-box.js';
import { sessionDataSchema, type SessionOwner, type SessionRecord, type SessionStage } from './session.js';
import type { SessionStore } from './session.store.js';

/** How long sessions live. */
export interface SessionTimeouts {
  /** A signed-in session dies after this long without a request. */
  idleMs: number;
  /** ...and this long after sign-in, however active. */
  absoluteMs: number;
  /** A session waiting for the TOTP code dies after this long. */
  pendingMs: number;
}

/** What the session service needs. */
export interface SessionServiceDeps {
  store: SessionStore;
  clock: Clock;
  /** 32-byte key sealing flash values. */
  sealKey: Buffer;
  timeouts?: Partial<SessionTimeouts>;
}

/** A new session and the value to put in the cookie (the only copy of it). */
export interface IssuedSession {
  cookieValue: string;
  session: SessionRecord;
}

/** 2 hours idle, 24 hours absolute, 10 minutes to enter the TOTP code. */
export const DEFAULT_SESSION_TIMEOUTS: SessionTimeouts = {
  idleMs: 2 * 60 * 60 * 1000,
  absoluteMs: 24 * 60 * 60 * 1000,
  pendingMs: 10 * 60 * 1000,
};

/** Activity is written at most this often, so page views do not each cost a write. */
const TOUCH_INTERVAL_MS = 60 * 1000;
/** 256 bits, base64url. */
const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/;

/** Starts, resumes and ends browser sessions; see the file comment. */
export class SessionService {
  readonly timeouts: SessionTimeouts;

  constructor(private readonly deps: SessionServiceDeps) {
    this.timeouts = { ...DEFAULT_SESSION_TIMEOUTS, ...deps.timeouts };
  }

  /** Starts a session for `owner` at `stage`; also sweeps expired sessions. */
  async start(owner: SessionOwner, stage: SessionStage, returnTo: string | null = null): Promise<IssuedSession> {
    const now = this.deps.clock.now();
    const lifetime = stage === 'two_factor' ? this.timeouts.pendingMs : Math.min(this.timeouts.idleMs, this.timeouts.absoluteMs);
    await this.deps.store.deleteExpired(now);
    return this.issue({
      userId: owner.id,
      data: { stage, returnTo, flash: {}, generation: owner.sessionGeneration },
      createdAt: now,
      expiresAt: new Date(now.getTime() + lifetime),
      lastSeenAt: now,
    });
  }

  /**
   * Replaces `session` by one with a new id under the owner's new session
   * generation, keeping its data and deadlines: the session that changed its
   * own user's credentials carries on, every other one of the user is over.
   */
  async renew(session: SessionRecord, owner: SessionOwner): Promise<IssuedSession> {
    const { key, ...kept } = session;
    const issued = await this.issue({ ...kept, data: { ...session.data, generation: owner.sessionGeneration } });
    await this.deps.store.delete(key);
    return issued;
  }

  /**
   * The live session behind a cookie value, or null (unknown, malformed,
   * expired — an expired one is deleted). Extends the idle deadline, never
   * past the absolute one.
   */
  async resume(cookieValue: string | undefined): Promise<SessionRecord | null> {
    if (!cookieValue || !COOKIE_VALUE.test(cookieValue)) return null;
    const key = digest(cookieValue);
    const found = await this.deps.store.find(key);
    if (!found) return null;
    const now = this.deps.clock.now();
    const data = sessionDataSchema.safeParse(found.data);
    if (now >= found.expiresAt || !data.success) {
      await this.deps.store.delete(key);
      return null;
    }
    const session = { ...found, data: data.data };
    if (session.data.stage !== 'signed_in' || now.getTime() - session.lastSeenAt.getTime() < TOUCH_INTERVAL_MS) {
      return session;
    }
    const absolute = session.createdAt.getTime() + this.timeouts.absoluteMs;
    const expiresAt = new Date(Math.min(now.getTime() + this.timeouts.idleMs, absolute));
    await this.deps.store.touch(key, now, expiresAt);
    return { ...session, lastSeenAt: now, expiresAt };
  }

  async destroy(session: SessionRecord): Promise<void> {
    await this.deps.store.delete(session.key);
  }

  /** Ends every session of a user (e.g. after a password or 2FA change elsewhere). */
  destroyAllOfUser(userId: number): Promise<number> {
    return this.deps.store.deleteAllOfUser(userId);
  }

  /** Stores a one-time value, encrypted, for the next page of this session. */
  async setFlash(session: SessionRecord, name: string, value: string): Promise<void> {
    session.data = { ...session.data, flash: { ...session.data.flash, [name]: seal(this.deps.sealKey, value) } };
    await this.deps.store.updateData(session.key, session.data);
  }

  /** Reads and deletes a one-time value; null when there is none (or it cannot be opened). */
  async takeFlash(session: SessionRecord, name: string): Promise<string | null> {
    const sealed = session.data.flash[name];
    if (sealed === undefined) return null;
    const rest = Object.fromEntries(Object.entries(session.data.flash).filter(([k]) => k !== name));
    session.data = { ...session.data, flash: rest };
    await this.deps.store.updateData(session.key, session.data);
    return open(this.deps.sealKey, sealed);
  }

  /** Stores a session under a fresh cookie value. */
  private async issue(fields: Omit<SessionRecord, 'key'>): Promise<IssuedSession> {
    const cookieValue = randomBytes(32).toString('base64url');
    const session: SessionRecord = { ...fields, key: digest(cookieValue) };
    await this.deps.store.create(session);
    return { cookieValue, session };
  }
}

function digest(cookieValue: string): string {
  return createHash('sha256').update(cookieValue).digest('hex');
}
