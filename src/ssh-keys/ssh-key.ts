/** What a key may be used for (GitLab's `usage_type`). Only `auth*` keys sign in over SSH. */
export const SSH_KEY_USAGES = ['auth', 'signing', 'auth_and_signing'] as const;

export type SshKeyUsage = (typeof SSH_KEY_USAGES)[number];

/** What a key is for when it is added without a `usage_type`. */
export const DEFAULT_SSH_KEY_USAGE: SshKeyUsage = 'auth_and_signing';

/** An SSH public key registered to an account. */
export interface SshKey {
  id: number;
  userId: number;
  title: string;
  /** Normalized OpenSSH public key line: `type base64 [comment]`. */
  key: string;
  /** `SHA256:` + unpadded base64 of the SHA-256 of the key blob; unique. */
  fingerprint: string;
  usageType: SshKeyUsage;
  createdAt: Date;
  /** The key stops working at this instant; null never expires. */
  expiresAt: Date | null;
  lastUsedAt: Date | null;
}

/** Fields a new key is stored with. */
export type NewSshKey = Omit<SshKey, 'id' | 'lastUsedAt'>;

/** True when `value` names a key usage. */
export function isSshKeyUsage(value: string): value is SshKeyUsage {
  return (SSH_KEY_USAGES as readonly string[]).includes(value);
}
