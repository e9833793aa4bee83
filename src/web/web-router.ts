/**
 * The web surface: sign-in, Settings → Access tokens and Two-factor
 * authentication, and the project pages, as server-rendered HTML. Everything browser-specific
 * (cookies, CSRF, security headers, form bodies) applies to these paths only,
 * never to git or the API.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cookieParser from 'cookie-parser';
import express, { Router, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { GuardedAuthentication } from '../auth/guarded-authentication.js';
import { claimSurface } from '../http/request-state.js';
import { NotFoundError } from '../lib/errors.js';
import type { ProjectService } from '../projects/project.service.js';
import type { ProjectUrls } from '../projects/project-urls.js';
import type { SessionService } from '../sessions/session.service.js';
import type { SignInService } from '../sessions/sign-in.service.js';
import type { TokenService } from '../tokens/token.service.js';
import type { TwoFactorService } from '../users/two-factor.service.js';
import type { UserService } from '../users/user.service.js';
import { accessTokenRoutes } from './access-tokens.routes.js';
import { ACCESS_TOKENS_PATH } from '../lib/access-tokens-page.js';
import { createCsrf } from './csrf.js';
import { htmlErrors } from './html-errors.js';
import { matchProjectPage } from './project-path.js';
import { projectPageRoutes } from './project.routes.js';
import { HOME_PATH } from './return-to.js';
import { noStore, sameOriginOnly, securityHeaders } from './security.js';
import { loadSession, SessionCookie } from './session-cookie.js';
import { signInRoutes } from './sign-in.routes.js';
import { TWO_FACTOR_PATH, twoFactorRoutes } from './two-factor.routes.js';
import { Views } from './views.js';

/** What the web surface needs. */
export interface WebDeps {
  logger: Logger;
  /** Base URL users see; https makes cookies Secure and `__Host-` prefixed and turns on HSTS. */
  externalUrl: string;
  /** Key for CSRF tokens (derived from the server secret). */
  csrfSecret: string;
  users: UserService;
  twoFactor: TwoFactorService;
  tokens: TokenService;
  /** The signed-in user's recent security events (the access token page). */
  audit: AuditLog;
  sessions: SessionService;
  signIn: SignInService;
  /** Credential checks under the per-IP ban. */
  guarded: GuardedAuthentication;
  /** Projects, for their pages at `/<namespace>/<project>`. */
  projects: ProjectService;
  /** The clone URLs those pages show. */
  urls: ProjectUrls;
}

const ASSETS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'assets');
const PAGE_PREFIXES = ['/users/sign_in', '/users/sign_out', '/-/user_settings'];

/**
 * Creates the router for the web pages and their assets (`/-/web/assets/`).
 * Paths that are not the web surface's fall through untouched.
 *
 * @example app.use(createWebRouter({ logger, externalUrl, csrfSecret, users, twoFactor, tokens, sessions, signIn, guarded, projects, urls }));
 */
export function createWebRouter(deps: WebDeps): Router {
  const https = new URL(deps.externalUrl).protocol === 'https:';
  const csrf = createCsrf(deps.csrfSecret, https);
  const views = new Views(csrf);
  const cookie = new SessionCookie(https);

  const pages = Router();
  pages.use(
    securityHeaders(https),
    noStore,
    cookieParser(),
    // Room for the access token form: up to 100 checked projects besides its other fields.
    express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 150 }),
    loadSession(deps, cookie),
    sameOriginOnly(new URL(deps.externalUrl).origin),
    csrf.protect,
  );
  pages.use(signInRoutes({ signIn: deps.signIn, views, cookie, guarded: deps.guarded }));
  pages.use(accessTokenRoutes({ tokens: deps.tokens, projects: deps.projects, audit: deps.audit, sessions: deps.sessions, views }));
  pages.use(twoFactorRoutes({ twoFactor: deps.twoFactor, sessions: deps.sessions, signIn: deps.signIn, guarded: deps.guarded, views, cookie }));
  pages.use(projectPageRoutes({ projects: deps.projects, urls: deps.urls, views }));
  pages.use(() => {
    throw new NotFoundError('404 Page');
  });
  pages.use(htmlErrors(views, deps.logger));

  const router = Router();
  router.use('/-/web/assets', web, securityHeaders(https), express.static(ASSETS_DIR, { index: false, maxAge: '1h' }));
  router.get('/', web, (_req, res) => res.redirect(302, HOME_PATH));
  // GitLab's paths before 16.x, still in bookmarks and scripts.
  router.get('/-/profile/personal_access_tokens', web, legacyRedirect(ACCESS_TOKENS_PATH));
  router.get('/-/profile/two_factor_auth', web, legacyRedirect(TWO_FACTOR_PATH));
  router.use((req, res, next) => {
    if (PAGE_PREFIXES.some((p) => req.path === p || req.path.startsWith(`${p}/`))) {
      claimSurface(res, 'web');
      return pages(req, res, next);
    }
    // A project page; git's paths under it were answered by the git router already.
    if ((req.method === 'GET' || req.method === 'HEAD') && matchProjectPage(req.path)) {
      claimSurface(res, 'web');
      return pages(req, res, next);
    }
    next();
  });
  return router;
}

/** Claims the request for the web surface (the `surface` of the HTTP metrics). */
const web: RequestHandler = (_req, res, next) => {
  claimSurface(res, 'web');
  next();
};

function legacyRedirect(to: string): RequestHandler {
  return (req, res) => {
    const query = req.originalUrl.indexOf('?');
    res.redirect(301, query === -1 ? to : to + req.originalUrl.slice(query));
  };
}
