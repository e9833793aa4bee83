/**
 * `/users/sign_in` (password, then the two-factor code when the account has
 * it) and `/users/sign_out`. Every step runs under the per-IP ban (the `web`
 * rule of GuardedAuthentication); only a complete sign-in resets it.
 */
import { Router, type Request, type Response } from 'express';
import type { AttemptRules, GuardedAuthentication } from '../auth/guarded-authentication.js';
import { BannedError, TooManyRequestsError, UnauthorizedError, ValidationError } from '../lib/errors.js';
import { AccountLockedError } from '../users/account-lockout.js';
import type { SignInOutcome, SignInService } from '../sessions/sign-in.service.js';
import { formField } from './form-fields.js';
import { describeFailure } from './html-errors.js';
import { HOME_PATH, safeReturnTo } from './return-to.js';
import type { SessionCookie } from './session-cookie.js';
import type { Views } from './views.js';
import { webState } from './web-state.js';
import { clientIp } from '../http/client-ip.js';

/** What the sign-in pages need. */
export interface SignInRouteDeps {
  signIn: SignInService;
  views: Views;
  cookie: SessionCookie;
  guarded: GuardedAuthentication;
}

const MAX_FIELD = 1024;

/**
 * `GET|POST /users/sign_in`, `POST /users/sign_in/two_factor`,
 * `POST /users/sign_out`. Wrong credentials re-render the form with GitLab's
 * wording; success redirects (303) to where the visitor was going.
 */
export function signInRoutes(deps: SignInRouteDeps): Router {
  const { signIn, views, cookie, guarded } = deps;
  const router = Router();

  const showPassword = (req: Request, res: Response, status: number, login: string, returnTo: string | null, alert: string | null): void => {
    views.render(res, status, 'sign-in', { ...views.layout(req, res, 'Sign in'), alert, login, returnTo });
  };
  const showCode = (req: Request, res: Response, status: number, alert: string | null): void => {
    views.render(res, status, 'two-factor-step', { ...views.layout(req, res, 'Two-factor authentication'), alert });
  };
  const finish = (res: Response, outcome: SignInOutcome): void => {
    cookie.set(res, outcome.issued.cookieValue);
    if (outcome.stage === 'two_factor') return res.redirect(303, '/users/sign_in');
    res.redirect(303, outcome.issued.session.data.returnTo ?? HOME_PATH);
  };
  // The password step of a 2FA account is not a sign-in yet: it neither resets the ban nor is audited.
  const passwordStep: AttemptRules<SignInOutcome> = {
    outcome: (o) => (o.stage === 'signed_in' ? 'success' : 'neutral'),
    signedIn: (o) => (o.stage === 'signed_in' ? { user: o.user, credential: 'password' } : null),
  };
  const codeStep: AttemptRules<SignInOutcome> = { signedIn: (o) => ({ user: o.user, credential: 'two_factor' }) };

  router.get('/users/sign_in', (req, res) => {
    const { user, session } = webState(res);
    if (user) return res.redirect(303, safeReturnTo(req.query.redirect_to) ?? HOME_PATH);
    if (session?.data.stage === 'two_factor') return showCode(req, res, 200, null);
    showPassword(req, res, 200, '', safeReturnTo(req.query.redirect_to), null);
  });

  router.post('/users/sign_in', async (req, res) => {
    const login = (formField(req, 'login') ?? '').trim().slice(0, MAX_FIELD);
    const password = (formField(req, 'password') ?? '').slice(0, MAX_FIELD);
    const returnTo = safeReturnTo(formField(req, 'redirect_to'));
    try {
      finish(res, await guarded.run('web', clientIp(req), () => signIn.withPassword(login, password, webState(res).session, returnTo), passwordStep));
    } catch (error) {
      if (!isSignInFailure(error)) throw error;
      const failure = describeFailure(error);
      showPassword(req, res, failure.status, login, returnTo, failure.message);
    }
  });

  router.post('/users/sign_in/two_factor', async (req, res) => {
    const pending = webState(res).session;
    if (pending?.data.stage !== 'two_factor') return res.redirect(303, '/users/sign_in');
    const code = (formField(req, 'otp_attempt') ?? '').slice(0, 64);
    try {
      finish(res, await guarded.run('web', clientIp(req), () => signIn.withCode(pending, code), codeStep));
    } catch (error) {
      if (!isSignInFailure(error)) throw error;
      const failure = describeFailure(error);
      if (error instanceof ValidationError) return showCode(req, res, failure.status, failure.message);
      // The pending session is gone (locked, blocked): start over.
      cookie.clear(res);
      webState(res).session = null;
      showPassword(req, res, failure.status, '', null, failure.message);
    }
  });

  router.post('/users/sign_out', async (_req, res) => {
    const { session } = webState(res);
    if (session) await signIn.signOut(session);
    cookie.clear(res);
    res.redirect(303, '/users/sign_in');
  });

  return router;
}

/** Failures the sign-in forms show in place; anything else goes to the error page. */
function isSignInFailure(error: unknown): boolean {
  return (
    error instanceof UnauthorizedError ||
    error instanceof AccountLockedError ||
    error instanceof ValidationError ||
    error instanceof BannedError ||
    error instanceof TooManyRequestsError
  );
}
