/**
 * Time-based one-time passwords (RFC 6238, 30 s steps, 6 digits, ±1 step)
 * and single-use recovery codes, stored only as keyed digests.
 */
import { authenticator } from 'otplib';
import { randomBytes } from 'node:crypto';
import type { Clock } from '../lib/clock.js';
import { ValidationError } from '../lib/errors.js';
import { hmacHex } from '../lib/secrets.js';
import type { User } from './user.js';
import type { UserService } from './user.service.js';

const RECOVERY_CODES = 10;
const STEP_SECONDS = 30;

export interface TwoFactorDeps {
  users: UserService;
  clock: Clock;
  /** Key for recovery-code digests. */
  recoveryKey: Buffer;
  /** Issuer shown in authenticator apps. */
  issuer: string;
}

export class TwoFactorService {
  constructor(private readonly deps: TwoFactorDeps) {}

  /** The otpauth:// URI an authenticator app (or QR code) takes. */
  otpauthUri(user: User, secret: string): string {
    return authenticator.keyuri(user.username, this.deps.issuer, secret);
  }

  /** Stores a fresh secret without enabling 2FA; returns the secret. */
  async beginSetup(user: User): Promise<string> {
    const secret = authenticator.generateSecret(20);
    await this.deps.users.update(user.id, { otpSecret: secret });
    return secret;
  }

  /**
   * Enables 2FA when `code` matches the pending secret; returns the
   * recovery codes in plaintext (shown once) and the updated user (whose
   * web sessions have ended).
   */
  async confirmSetup(user: User, code: string): Promise<{ recoveryCodes: string[]; user: User }> {
    if (!user.otpSecret || !(await this.verifyCode(user, user.otpSecret, code))) {
      throw new ValidationError('otp_attempt', 'Invalid pin code');
    }
    return this.enable(user, user.otpSecret);
  }

  /** Enables 2FA directly (administrators, the CLI); returns secret and recovery codes. */
  async enableNow(user: User): Promise<{ secret: string; recoveryCodes: string[] }> {
    const secret = authenticator.generateSecret(20);
    return { secret, recoveryCodes: (await this.enable(user, secret)).recoveryCodes };
  }

  /** Turns 2FA off; returns the updated user (whose web sessions have ended). */
  disable(user: User): Promise<User> {
    return this.deps.users.update(user.id, { otpSecret: null, twoFactorEnabled: false, otpBackupCodes: [] });
  }

  /**
   * True when `code` is the current TOTP (±1 step) not used before, or an
   * unused recovery code; either is then consumed.
   */
  async verify(user: User, code: string): Promise<boolean> {
    const trimmed = code.replace(/\s+/g, '');
    if (user.otpSecret && /^\d{6}$/.test(trimmed)) return this.verifyCode(user, user.otpSecret, trimmed);
    if (!/^[0-9a-f]{16}$/i.test(trimmed)) return false;
    // Consumed in one atomic step, so two sign-ins can never share a code.
    return this.deps.users.consumeRecoveryCode(user.id, hmacHex(this.deps.recoveryKey, trimmed.toLowerCase()));
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

  private async enable(user: User, secret: string): Promise<{ recoveryCodes: string[]; user: User }> {
    const codes = Array.from({ length: RECOVERY_CODES }, () => randomBytes(8).toString('hex'));
    const updated = await this.deps.users.update(user.id, {
      otpSecret: secret,
      twoFactorEnabled: true,
      otpBackupCodes: codes.map((c) => hmacHex(this.deps.recoveryKey, c)),
    });
    return { recoveryCodes: codes, user: updated };
  }
}
