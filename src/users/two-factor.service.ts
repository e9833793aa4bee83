/**
 * Time-based one-time passwords (RFC 6238, 30 s steps, 6 digits, ±1 step)
 * and single-use recovery codes. The TOTP secret is stored sealed
 * (AES-256-GCM under `otpKey`) and opened only here; recovery codes are
 * stored only as keyed digests (HMAC-SHA-256 under `recoveryKey`).
 */
import { authenticator } from 'otplib';
import { randomBytes } from 'node:crypto';
import { authorOf, userEntity } from '../audit/audit-event.js';
import type { AuditRecorder } from '../audit/audit-log.js';
import type { Identity } from '../identity/principal.js';
import type { Clock } from '../lib/clock.js';
import { ConflictError, ValidationError } from '../lib/errors.js';
import { open, seal } from '../lib/sealed-box.js';
import { hmacHex } from '../lib/secrets.js';
import type { User } from './user.js';
import type { UserService } from './user.service.js';

const RECOVERY_CODES = 10;
const STEP_SECONDS = 30;
/** What otplib generates: a secret stored like this was written before secrets were sealed. */
const LEGACY_PLAINTEXT_SECRET = /^[A-Z2-7]{16,128}$/;

/** An opened TOTP secret; `legacy` when it was stored in plaintext. */
interface OpenedSecret {
  secret: string;
  legacy: boolean;
}

export interface TwoFactorDeps {
  users: UserService;
  clock: Clock;
  /** Key for recovery-code digests. */
  recoveryKey: Buffer;
  /** Key the TOTP secrets are sealed with (32 bytes). */
  otpKey: Buffer;
  /** Issuer shown in authenticator apps. */
  issuer: string;
  /** Turning 2FA on and off is audited by UserService; the use of a recovery code here. */
  audit: AuditRecorder;
}

export class TwoFactorService {
  constructor(private readonly deps: TwoFactorDeps) {}

  /** The otpauth:// URI an authenticator app (or QR code) takes. */
  otpauthUri(user: User, secret: string): string {
    return authenticator.keyuri(user.username, this.deps.issuer, secret);
  }

  /** Stores a fresh secret (sealed) without enabling 2FA; returns the secret. */
  async beginSetup(user: User): Promise<string> {
    const secret = authenticator.generateSecret(20);
    await this.deps.users.update(user.id, { sealedOtpSecret: seal(this.deps.otpKey, secret) });
    return secret;
  }

  /**
   * The secret to show on the setup page while 2FA is off: the pending one,
   * or a fresh one (beginSetup) when there is none or it cannot be opened.
   * Throws ConflictError once 2FA is on: the secret is never shown again.
   */
  async pendingSecret(user: User): Promise<string> {
    if (user.twoFactorEnabled) throw new ConflictError('Two-factor authentication is already enabled');
    const stored = this.secretOf(user);
    if (!stored) return this.beginSetup(user);
    if (stored.legacy) await this.sealLegacy(user, stored.secret);
    return stored.secret;
  }

  /**
   * Enables 2FA when `code` matches the pending secret; returns the
   * recovery codes in plaintext (shown once) and the updated user (whose
   * web sessions have ended).
   */
  async confirmSetup(user: User, code: string): Promise<{ recoveryCodes: string[]; user: User }> {
    const stored = this.secretOf(user);
    if (!stored || !(await this.verifyCode(user, stored.secret, code))) {
      throw new ValidationError('otp_attempt', 'Invalid pin code');
    }
    return this.enable(user, stored.secret);
  }

  /** Enables 2FA directly (administrators, the CLI: `actor`, default the user); returns secret and recovery codes. */
  async enableNow(user: User, actor?: Identity): Promise<{ secret: string; recoveryCodes: string[] }> {
    const secret = authenticator.generateSecret(20);
    return { secret, recoveryCodes: (await this.enable(user, secret, actor)).recoveryCodes };
  }

  /** Turns 2FA off (by `actor`, default the user); returns the updated user (whose web sessions have ended). */
  disable(user: User, actor?: Identity): Promise<User> {
    return this.deps.users.update(user.id, { sealedOtpSecret: null, twoFactorEnabled: false, otpBackupCodes: [] }, actor);
  }

  /**
   * True when `code` is the current TOTP (±1 step) not used before, or an
   * unused recovery code; either is then consumed. A secret that cannot be
   * opened (another server secret, a damaged value) matches no code.
   */
  async verify(user: User, code: string): Promise<boolean> {
    const trimmed = code.replace(/\s+/g, '');
    const stored = this.secretOf(user);
    if (stored && /^\d{6}$/.test(trimmed)) {
      const valid = await this.verifyCode(user, stored.secret, trimmed);
      if (valid && stored.legacy) await this.sealLegacy(user, stored.secret);
      return valid;
    }
    if (!/^[0-9a-f]{16}$/i.test(trimmed)) return false;
    // Consumed in one atomic step, so two sign-ins can never share a code.
    if (!(await this.deps.users.consumeRecoveryCode(user.id, hmacHex(this.deps.recoveryKey, trimmed.toLowerCase())))) return false;
    await this.deps.audit.record({
      action: 'two_factor_recovery_code_used',
      author: authorOf(user),
      entity: userEntity(user),
      details: { remaining: Math.max(0, user.otpBackupCodes.length - 1) },
    });
    return true;
  }

  /**
   * The stored secret opened, or a legacy plaintext one as it is; null when
   * there is none or it is neither (fail closed).
   */
  private secretOf(user: User): OpenedSecret | null {
    const stored = user.sealedOtpSecret;
    if (!stored) return null;
    const opened = open(this.deps.otpKey, stored);
    if (opened !== null) return { secret: opened, legacy: false };
    return LEGACY_PLAINTEXT_SECRET.test(stored) ? { secret: stored, legacy: true } : null;
  }

  /** Replaces a legacy plaintext secret by its sealed form, unless it changed meanwhile. */
  private async sealLegacy(user: User, secret: string): Promise<void> {
    await this.deps.users.replaceOtpSecret(user.id, secret, seal(this.deps.otpKey, secret));
  }

  /** Checks the code and consumes its time step, so it cannot be replayed. */
  private async verifyCode(user: User, secret: string, code: string): Promise<boolean> {
    const now = this.deps.clock.now().getTime();
    const totp = authenticator.clone({ window: 1, step: STEP_SECONDS, epoch: now });
    let delta: number | null;
    try {
      delta = totp.checkDelta(code.replace(/\s+/g, ''), secret);
    } catch {
      return false;
    }
    if (delta === null) return false;
    const step = Math.floor(now / 1000 / STEP_SECONDS) + delta;
    return this.deps.users.consumeOtpTimestep(user.id, step);
  }

  private async enable(user: User, secret: string, actor?: Identity): Promise<{ recoveryCodes: string[]; user: User }> {
    const codes = Array.from({ length: RECOVERY_CODES }, () => randomBytes(8).toString('hex'));
    const patch = {
      sealedOtpSecret: seal(this.deps.otpKey, secret),
      twoFactorEnabled: true,
      otpBackupCodes: codes.map((c) => hmacHex(this.deps.recoveryKey, c)),
    };
    const updated = await this.deps.users.update(user.id, patch, actor);
    return { recoveryCodes: codes, user: updated };
  }
}
