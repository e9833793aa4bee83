/** A gitgate account, as the services see it (never serialized directly). */
export interface User {
  id: number;
  username: string;
  email: string;
  name: string;
  /** argon2id PHC string; null for accounts that may only use tokens. */
  passwordHash: string | null;
  isAdmin: boolean;
  state: UserState;
  /**
   * The TOTP secret as stored, set once 2FA setup has started: sealed
   * (AES-256-GCM) by TwoFactorService, or base32 plaintext when written
   * before secrets were sealed. Not the secret itself: only TwoFactorService
   * reads it.
   */
  sealedOtpSecret: string | null;
  /** True once 2FA is enabled; such users must use a token for git. */
  twoFactorEnabled: boolean;
  /** Keyed digests of unused recovery codes. */
  otpBackupCodes: string[];
  createdAt: Date;
  /**
   * Advanced by every change of the account's credentials (password,
   * two-factor authentication, blocking): web sessions started under an
   * older value are over.
   */
  sessionGeneration: number;
}

export type UserState = 'active' | 'blocked';

/** Fields a new user is created with. */
export interface NewUser {
  username: string;
  email: string;
  name: string;
  passwordHash: string | null;
  isAdmin: boolean;
  createdAt: Date;
}

/** Fields that may change after creation. */
export type UserPatch = Partial<
  Pick<User, 'email' | 'name' | 'passwordHash' | 'isAdmin' | 'state' | 'sealedOtpSecret' | 'twoFactorEnabled' | 'otpBackupCodes'>
>;
