/**
 * Settings → Two-factor authentication: a QR code (drawn on the server) and
 * the secret, enabling after a correct code with recovery codes shown once,
 * and disabling with the account password.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { ValidationError } from '../lib/errors.js';
import type { GuardedAuthentication } from '../auth/guarded-authentication.js';
import type { SessionRecord } from '../sessions/session.js';
import type { SessionService } from '../sessions/session.service.js';
import type { SignInService } from '../sessions/sign-in.service.js';
import type { TwoFactorService } from '../users/two-factor.service.js';
import type { User } from '../users/user.js';
import { formField } from './form-fields.js';
import { requireUser, signedIn, type SessionCookie } from './session-cookie.js';
import type { TwoFactorModel } from './view-models.js';
import type { Views } from './views.js';
import { webState } from './web-state.js';
import { clientIp } from '../http/client-ip.js';

/** What the two-factor pages need. */
export interface TwoFactorRouteDeps {
  twoFactor: TwoFactorService;
  sessions: SessionService;
  signIn: SignInService;
  /** The per-IP ban: wrong passwords on the disable form count too. */
  guarded: GuardedAuthentication;
  views: Views;
  cookie: SessionCookie;
}

/** GitLab's path of the page. */
export const TWO_FACTOR_PATH = '/-/user_settings/two_factor_auth';

const RECOVERY_CODES = 'recovery_codes';
const NOTICE = 'notice';
const recoveryCodesFlash = z.array(z.string());

interface PageState {
  recoveryCodes: string[] | null;
  notice: string | null;
  enableError: string | null;
  disableError: string | null;
}

const NOTHING: PageState = { recoveryCodes: null, notice: null, enableError: null, disableError: null };

/**
 * `GET` the page (starting setup when 2FA is off), `POST` a code to enable
 * (303 to the page, which shows the recovery codes once), `POST …/disable`
 * with the current password.
 */
export function twoFactorRoutes(deps: TwoFactorRouteDeps): Router {
  const { twoFactor, sessions, signIn, guarded, views, cookie } = deps;
  const router = Router();

  // Turning 2FA on or off ends every session of the user but this one, which moves to a new id.
  const carryOn = async (res: Response, session: SessionRecord, user: User): Promise<SessionRecord> => {
    const issued = await sessions.renew(session, user);
    cookie.set(res, issued.cookieValue);
    webState(res).session = issued.session;
    return issued.session;
  };

  const render = async (req: Request, res: Response, status: number, user: User, page: PageState): Promise<void> => {
    views.render(res, status, 'two-factor', {
      ...views.layout(req, res, 'Two-factor authentication', 'two_factor'),
      notice: page.notice,
      enabled: user.twoFactorEnabled,
      recoveryCodes: page.recoveryCodes,
      remainingRecoveryCodes: user.otpBackupCodes.length,
      setup: user.twoFactorEnabled ? null : await setupOf(user),
      enableError: page.enableError,
      disableError: page.disableError,
    });
  };

  // GitLab too creates the pending secret when the page is first shown; it
  // grants nothing until a code made from it is confirmed.
  const setupOf = async (user: User): Promise<NonNullable<TwoFactorModel['setup']>> => {
    const secret = await twoFactor.pendingSecret(user);
    // qrcode is loaded on this page only, not at every start.
    const { default: QRCode } = await import('qrcode');
    const svg = await QRCode.toString(twoFactor.otpauthUri(user, secret), { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
    return {
      qrCode: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
      secret: secret.replace(/(.{4})(?=.)/g, '$1 '),
      account: user.username,
    };
  };

  router.get(TWO_FACTOR_PATH, requireUser, async (req, res) => {
    const { session, user } = signedIn(res);
    const codes = await sessions.takeFlash(session, RECOVERY_CODES);
    await render(req, res, 200, user, {
      ...NOTHING,
      recoveryCodes: codes ? recoveryCodesFlash.parse(JSON.parse(codes)) : null,
      notice: await sessions.takeFlash(session, NOTICE),
    });
  });

  router.post(TWO_FACTOR_PATH, requireUser, async (req, res) => {
    const { session, user } = signedIn(res);
    if (user.twoFactorEnabled) return res.redirect(303, TWO_FACTOR_PATH);
    try {
      const enabled = await twoFactor.confirmSetup(user, (formField(req, 'pin_code') ?? '').slice(0, 64));
      const renewed = await carryOn(res, session, enabled.user);
      await sessions.setFlash(renewed, RECOVERY_CODES, JSON.stringify(enabled.recoveryCodes));
      await sessions.setFlash(renewed, NOTICE, 'You have set up two-factor authentication.');
      res.redirect(303, TWO_FACTOR_PATH);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      await render(req, res, 422, user, { ...NOTHING, enableError: 'Invalid pin code. Enter the 6-digit code from your app.' });
    }
  });

  router.post(`${TWO_FACTOR_PATH}/disable`, requireUser, async (req, res) => {
    const { session, user } = signedIn(res);
    if (!user.twoFactorEnabled) return res.redirect(303, TWO_FACTOR_PATH);
    const password = (formField(req, 'current_password') ?? '').slice(0, 1024);
    const confirmed = await guarded.run('web', clientIp(req), () => signIn.confirmPassword(user, password), {
      outcome: (ok) => (ok ? 'success' : 'failure'),
      claimed: { kind: 'password', user: { id: user.id, username: user.username } },
    });
    if (!confirmed) return render(req, res, 422, user, { ...NOTHING, disableError: 'You must provide a valid current password.' });
    const renewed = await carryOn(res, session, await twoFactor.disable(user));
    await sessions.setFlash(renewed, NOTICE, 'Two-factor authentication has been disabled.');
    res.redirect(303, TWO_FACTOR_PATH);
  });

  return router;
}
