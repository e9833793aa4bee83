/**
 * Browser sessions in Redis (when REDIS_URL is set), so every instance sees
 * the same sessions without a database write per page view. Each session is
 * one JSON value whose TTL is its remaining lifetime; a per-user set indexes
 * them for "sign out everywhere". Updates use SET … XX, so a session deleted
 * by a concurrent sign-out is never written back. Redis failing is the
 * session store being unavailable (UnavailableError, 503), never a 500.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { UnavailableError } from '../lib/errors.js';
import { sessionDataSchema, type SessionData, type SessionRecord } from '../sessions/session.js';
import type { SessionStore } from '../sessions/session.store.js';

const stored = z.object({
  userId: z.number().int(),
  data: sessionDataSchema,
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  lastSeenAt: z.iso.datetime(),
});

/** The user index outlives any one session; sessions are bounded by their absolute timeout. */
const INDEX_TTL_MS = 7 * 24 * 3600_000;

export class RedisSessionStore implements SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async create(session: SessionRecord): Promise<void> {
    return reaching(async () => {
      const tx = this.redis.multi();
      tx.set(this.key(session.key), serialize(session), 'PX', ttl(session.createdAt, session.expiresAt));
      tx.sadd(this.index(session.userId), session.key);
      tx.pexpire(this.index(session.userId), INDEX_TTL_MS);
      await exec(tx);
    });
  }

  async find(key: string): Promise<SessionRecord | null> {
    return reaching(async () => {
      const raw = await this.redis.get(this.key(key));
      return raw === null ? null : parse(key, raw);
    });
  }

  async updateData(key: string, data: SessionData): Promise<boolean> {
    return reaching(async () => {
      const current = await this.find(key);
      if (!current) return false;
      const ok = await this.redis.set(this.key(key), serialize({ ...current, data }), 'KEEPTTL', 'XX');
      return ok === 'OK';
    });
  }

  async touch(key: string, lastSeenAt: Date, expiresAt: Date): Promise<boolean> {
    return reaching(async () => {
      const current = await this.find(key);
      if (!current) return false;
      const ok = await this.redis.set(this.key(key), serialize({ ...current, lastSeenAt, expiresAt }), 'PX', ttl(lastSeenAt, expiresAt), 'XX');
      return ok === 'OK';
    });
  }

  async delete(key: string): Promise<void> {
    return reaching(async () => {
      const current = await this.find(key);
      const tx = this.redis.multi().del(this.key(key));
      if (current) tx.srem(this.index(current.userId), key);
      await exec(tx);
    });
  }

  async deleteAllOfUser(userId: number): Promise<number> {
    return reaching(async () => {
      const keys = await this.redis.smembers(this.index(userId));
      if (keys.length === 0) return 0;
      const deleted = await this.redis.del(...keys.map((k) => this.key(k)));
      await this.redis.del(this.index(userId));
      return deleted;
    });
  }

  /** Redis expires sessions itself (their TTL is their deadline). */
  async deleteExpired(): Promise<number> {
    return 0;
  }

  private key(sessionKey: string): string {
    return `${this.prefix}session:${sessionKey}`;
  }

  private index(userId: number): string {
    return `${this.prefix}user-sessions:${userId}`;
  }
}

/** Milliseconds from `from` to `until`, at least 1 (Redis refuses 0). */
function ttl(from: Date, until: Date): number {
  return Math.max(1, until.getTime() - from.getTime());
}

function serialize(session: Omit<SessionRecord, 'key'>): string {
  return JSON.stringify({
    userId: session.userId,
    data: session.data,
    createdAt: session.createdAt.toISOString(),
    expiresAt: session.expiresAt.toISOString(),
    lastSeenAt: session.lastSeenAt.toISOString(),
  });
}

/** A stored value; anything malformed reads as no session (fail closed). */
function parse(key: string, raw: string): SessionRecord | null {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null;
  }
  const v = stored.safeParse(json);
  if (!v.success) return null;
  return {
    key,
    userId: v.data.userId,
    data: v.data.data,
    createdAt: new Date(v.data.createdAt),
    expiresAt: new Date(v.data.expiresAt),
    lastSeenAt: new Date(v.data.lastSeenAt),
  };
}

/** Runs Redis calls; any failure among them means the sessions cannot be reached. */
async function reaching<T>(calls: () => Promise<T>): Promise<T> {
  try {
    return await calls();
  } catch (error) {
    if (error instanceof UnavailableError) throw error;
    throw new UnavailableError('session store unavailable (Redis)', { cause: error });
  }
}

async function exec(tx: ReturnType<Redis['multi']>): Promise<void> {
  const results = await tx.exec();
  const failed = results?.find(([err]) => err);
  if (!results || failed) throw failed?.[0] ?? new Error('redis transaction aborted');
}
