/** Browser sessions as the services see them. */
import { z } from 'zod';

/**
 * `two_factor`: the password was right and the TOTP code is still owed; such
 * a session grants nothing but the code form. `signed_in`: fully signed in.
 */
export type SessionStage = 'signed_in' | 'two_factor';

/** What a session carries besides its user; stored as JSON. */
export const sessionDataSchema = z.object({
  stage: z.enum(['signed_in', 'two_factor']),
  /** Local path to go to after signing in. */
  returnTo: z.string().nullable().default(null),
  /** One-time messages, each sealed (encrypted) at rest; removed when read. */
  flash: z.record(z.string(), z.string()).default({}),
  /** The user's `sessionGeneration` when the session started; it dies when the user's moves on. */
  generation: z.number().int().default(0),
});

/** Whose a new session is: the account and its current session generation. */
export interface SessionOwner {
  id: number;
  sessionGeneration: number;
}

/** A session's data as validated. */
export type SessionData = z.infer<typeof sessionDataSchema>;

/** A stored session. `key` is the SHA-256 of the cookie value, never the value itself. */
export interface SessionRecord {
  key: string;
  userId: number;
  data: SessionData;
  createdAt: Date;
  /** The earlier of the idle and the absolute deadline; the session is dead from this instant. */
  expiresAt: Date;
  lastSeenAt: Date;
}
