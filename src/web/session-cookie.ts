/**
 * The session cookie and the middleware that turns it into a session and a
 * user: HttpOnly, SameSite=Lax (a link from elsewhere arrives signed in, a
 * cross-site post does not), Secure and `__Host-` prefixed over https, no
 * Max-Age (the server decides when a session ends).
 */
import { unlessNotFound } from '../lib/errors.js';
import type { CookieOptions, RequestHandler, Response } from 'express';
import type { Principal } from '../identity/principal.js';
import { requestState } from '../http/request-state.js';
import type { SessionRecord } from '../sessions/session.js';
import type { SessionService } from '../sessions/session.service.js';
import type { UserService } from '../users/user.service.js';
import { webState } from './web-state.js';

/** Name and attributes of the session cookie for one deployment. */
export class SessionCookie {
  readonly name: string;
  private readonly options: CookieOptions;

  constructor(https: boolean) {
    this.name = https ? '__Host-gitgate_session' : 'gitgate_session';
    this.options = { httpOnly: true, sameSite: 'lax', secure: https, path: '/' };
  }

  set(res: Response, value: string): void {
    res.cookie(this.name, value, this.options);
  }

  clear(res: Response): void {
    res.clearCookie(this.name, this.options);
  }
}

/**
 * Resumes the session named by the cookie (clearing a dead cookie) and, for
 * a signed-in session, loads its user. A user blocked or deleted since
 * sign-in, or whose credentials changed (a new session generation), loses
 * the session on the next request.
 */
export function loadSession(deps: { sessions: SessionService; users: UserService }, cookie: SessionCookie): RequestHandler {
  return async (req, res, next) => {
    const raw: unknown = req.cookies?.[cookie.name];
    if (typeof raw !== 'string') return next();
    const session = await deps.sessions.resume(raw);
    if (!session) {
      cookie.clear(res);
      return next();
    }
    const state = webState(res);
    state.session = session;
    if (session.data.stage !== 'signed_in') return next();
    const user = await unlessNotFound(deps.users.get(session.userId));
    if (!user || user.state !== 'active' || user.sessionGeneration !== session.data.generation) {
      await deps.sessions.destroy(session);
      cookie.clear(res);
      state.session = null;
      return next();
    }
    state.user = user;
    // A session carries the account's full rights, as a password does.
    const principal: Principal = { kind: 'password', user: { id: user.id, username: user.username, isAdmin: user.isAdmin } };
    requestState(res).principal = principal;
    next();
  };
}

/** Sends anonymous visitors to the sign-in page, remembering where they were going. */
export const requireUser: RequestHandler = (req, res, next) => {
  if (webState(res).user) return next();
  const target = req.method === 'GET' ? `?redirect_to=${encodeURIComponent(req.originalUrl)}` : '';
  res.redirect(303, `/users/sign_in${target}`);
};

/** The signed-in session and user of a request that passed `requireUser`. */
export function signedIn(res: Response): { session: SessionRecord; user: NonNullable<ReturnType<typeof webState>['user']> } {
  const { session, user } = webState(res);
  if (!session || !user) throw new Error('signedIn() used on a route without requireUser');
  return { session, user };
}
