/**
 * CSRF tokens for every state-changing form (csrf-csrf's signed double-submit
 * cookie). Tokens are bound to the session, so one issued before sign-in is
 * useless after it; before sign-in they are bound to nothing more than the
 * cookie, which only guards the sign-in form itself.
 */
import type { Request, RequestHandler, Response } from 'express';
import { doubleCsrf } from 'csrf-csrf';
import { ForbiddenError } from '../lib/errors.js';
import { formField } from './form-fields.js';
import { webState } from './web-state.js';

/** The form field carrying the token (GitLab's name). */
export const CSRF_FIELD = 'authenticity_token';

/** A state-changing request without a valid CSRF token (403). */
export class CsrfTokenError extends ForbiddenError {
  constructor() {
    super('The form has expired or was not sent by this site. Reload the page and try again.');
  }
}

/** CSRF token issuing and checking for one deployment. */
export interface Csrf {
  /** A token for the forms of the page being rendered (sets the cookie). */
  token(req: Request, res: Response): string;
  /** Rejects unsafe requests without a valid token with CsrfTokenError. */
  protect: RequestHandler;
}

/** CSRF protection keyed by `secret`; cookie `__Host-`-prefixed and Secure when `https`. */
export function createCsrf(secret: string, https: boolean): Csrf {
  const { generateCsrfToken, validateRequest } = doubleCsrf({
    getSecret: () => secret,
    getSessionIdentifier: (req) => (req.res ? webState(req.res).session?.key : undefined) ?? 'anonymous',
    cookieName: https ? '__Host-gitgate_csrf' : 'gitgate_csrf',
    cookieOptions: { sameSite: 'strict', path: '/', secure: https, httpOnly: true },
    getCsrfTokenFromRequest: (req) => formField(req, CSRF_FIELD),
  });
  return {
    token: (req, res) => generateCsrfToken(req, res),
    protect: (req, _res, next) => {
      if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
      if (!validateRequest(req)) throw new CsrfTokenError();
      next();
    },
  };
}
