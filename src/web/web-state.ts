import type { Response } from 'express';
import type { SessionRecord } from '../sessions/session.js';
import type { User } from '../users/user.js';

/** What the web middleware learned about the browser, kept in `res.locals.web`. */
export interface WebState {
  /** The live session, signed in or waiting for the TOTP code; null when none. */
  session: SessionRecord | null;
  /** The signed-in user; null unless the session is at the `signed_in` stage. */
  user: User | null;
}

/** The request's web state (created empty on first use). */
export function webState(res: Response): WebState {
  const locals = res.locals as { web?: WebState };
  locals.web ??= { session: null, user: null };
  return locals.web;
}
