/**
 * Settings → Access tokens: create (the token is shown once, on the page the
 * browser is redirected to), optionally limited to projects, namespaces,
 * addresses and refs; list the active ones with their limits; revoke.
 */
import { ACCESS_TOKENS_PATH } from '../lib/access-tokens-page.js';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.js';
import type { Identity } from '../identity/principal.js';
import { NotFoundError, ValidationError, unlessNotFound } from '../lib/errors.js';
import type { Project } from '../projects/project.js';
import type { ProjectService } from '../projects/project.service.js';
import type { SessionService } from '../sessions/session.service.js';
import type { PersonalAccessToken } from '../tokens/token.js';
import type { TokenService } from '../tokens/token.service.js';
import type { User } from '../users/user.js';
import {
  defaultExpiry,
  expiryBounds,
  scopeOptions,
  tokenRow,
  valuesFromBody,
  valuesFromQuery,
  type TokenFormValues,
} from './access-tokens.form.js';
import { auditRow } from './audit-rows.js';
import { requireUser, signedIn } from './session-cookie.js';
import {
  hasRestrictionValues,
  projectFullPath,
  projectOptions,
  restrictionsInput,
  restrictionSummary,
} from './token-restrictions.form.js';
import type { Views } from './views.js';

/** What the access token pages need. */
export interface AccessTokenRouteDeps {
  tokens: TokenService;
  /** The projects a token may be limited to, and their names in the table. */
  projects: ProjectService;
  /** The user's recent security events, shown under the tokens. */
  audit: AuditLog;
  sessions: SessionService;
  views: Views;
}


const NEW_TOKEN = 'new_token';
const NOTICE = 'notice';
const newTokenFlash = z.object({ name: z.string(), value: z.string() });
/** Projects the picker lists at most (a token names at most 100 anyway); namespaces cover the rest. */
const PICKER_LIMIT = 100;
const RESTRICTION_FIELDS = ['projects', 'namespaces', 'allowed_ips', 'push_refs'];

interface PageState {
  values: TokenFormValues;
  errors: { field: string; message: string }[];
  newToken: { name: string; value: string } | null;
  notice: string | null;
}

/**
 * `GET` the page (with `?name=&scopes=&description=` prefill), `POST` to
 * create (303 to the page, which shows the token once), `POST :id/revoke`.
 * Only the signed-in user's own tokens are listed and revocable here.
 */
export function accessTokenRoutes(deps: AccessTokenRouteDeps): Router {
  const { tokens, projects, sessions, views, audit } = deps;
  const router = Router();

  /** Full paths of the projects `active` tokens name: from `listed`, else looked up; `#id` once gone from the user's sight. */
  const projectPaths = async (user: User, active: PersonalAccessToken[], listed: Project[]): Promise<(id: number) => string> => {
    const paths = new Map(listed.map((p) => [p.id, projectFullPath(p)]));
    for (const id of new Set(active.flatMap((t) => t.restrictions.projects ?? []))) {
      if (paths.has(id)) continue;
      const visible = await unlessNotFound(projects.get(identity(user), id));
      if (visible) paths.set(id, projectFullPath(visible.project));
    }
    return (id) => paths.get(id) ?? `#${id}`;
  };

  const render = async (req: Request, res: Response, status: number, page: PageState): Promise<void> => {
    const { user } = signedIn(res);
    const today = tokens.today();
    const [{ tokens: active }, { projects: visible, total }, events] = await Promise.all([
      tokens.list(identity(user), { userId: user.id, state: { active: true, today }, sort: 'created_desc' }),
      projects.list(identity(user), { limit: PICKER_LIMIT }),
      audit.recentFor(user.id),
    ]);
    const listed = visible.map((v) => v.project);
    const pathOf = await projectPaths(user, active, listed);
    const chosen = page.values.restrictions;
    views.render(res, status, 'access-tokens', {
      ...views.layout(req, res, 'Personal access tokens', 'access_tokens'),
      notice: page.notice,
      newToken: page.newToken,
      form: {
        name: page.values.name,
        description: page.values.description,
        expiresAt: page.values.expiresAt,
        scopes: scopeOptions(user.isAdmin, page.values.scopes),
        restrictions: {
          open: hasRestrictionValues(chosen) || page.errors.some((e) => RESTRICTION_FIELDS.includes(e.field)),
          projects: projectOptions(listed, chosen.projects),
          projectsOmitted: total - listed.length,
          namespaces: chosen.namespaces,
          allowedIps: chosen.allowedIps,
          pushRefs: chosen.pushRefs,
          allowForcePush: chosen.allowForcePush,
          allowRefDeletion: chosen.allowRefDeletion,
        },
        errors: page.errors,
      },
      expiry: expiryBounds(today, tokens.maxLifetimeDays),
      tokens: active.map((t) => tokenRow(t, restrictionSummary(t.restrictions, pathOf))),
      events: events.map((e) => auditRow(e, user.id)),
    });
  };

  router.get(ACCESS_TOKENS_PATH, requireUser, async (req, res) => {
    const { session } = signedIn(res);
    const issued = await sessions.takeFlash(session, NEW_TOKEN);
    const values = valuesFromQuery(req.query);
    values.expiresAt = defaultExpiry(tokens.today(), tokens.maxLifetimeDays);
    await render(req, res, 200, {
      values,
      errors: [],
      newToken: issued ? newTokenFlash.parse(JSON.parse(issued)) : null,
      notice: await sessions.takeFlash(session, NOTICE),
    });
  });

  router.post(ACCESS_TOKENS_PATH, requireUser, async (req, res) => {
    const { session, user } = signedIn(res);
    const values = valuesFromBody(req);
    try {
      const { token, plaintext } = await tokens.create(identity(user), user.id, {
        name: values.name,
        description: values.description,
        scopes: values.scopes,
        expiresAt: values.expiresAt || null,
        restrictions: restrictionsInput(values.restrictions),
      });
      // Post/redirect/get: the token travels sealed in the session and is
      // deleted as it is shown, so a reload cannot show it again.
      await sessions.setFlash(session, NEW_TOKEN, JSON.stringify({ name: token.name, value: plaintext }));
      res.redirect(303, ACCESS_TOKENS_PATH);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      await render(req, res, 422, { values, errors: [{ field: error.field, message: error.message }], newToken: null, notice: null });
    }
  });

  router.post(`${ACCESS_TOKENS_PATH}/:id/revoke`, requireUser, async (req, res) => {
    const { session, user } = signedIn(res);
    const raw = req.params.id;
    const id = typeof raw === 'string' && /^[1-9]\d{0,15}$/.test(raw) ? Number(raw) : NaN;
    // This page manages the user's own tokens, administrators included.
    const token = Number.isSafeInteger(id) ? await unlessNotFound(tokens.get(identity(user), id)) : null;
    if (!token || token.userId !== user.id) throw new NotFoundError('404 Personal Access Token');
    if (tokens.isActive(token)) await tokens.revoke(identity(user), token.id);
    await sessions.setFlash(session, NOTICE, `Revoked personal access token ${token.name}!`);
    res.redirect(303, ACCESS_TOKENS_PATH);
  });

  return router;
}

function identity(user: User): Identity {
  return { id: user.id, username: user.username, isAdmin: user.isAdmin };
}
