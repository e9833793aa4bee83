import type { LeakLocation } from '../tokens/revocation-notifier.js';
import type { UserState } from '../users/user.js';

/** What a token's owner is told. Each is sent at most once per token. */
export type NotificationKind =
  | 'expires_in_30_days'
  | 'expires_in_7_days'
  | 'expired'
  | 'revoked_by_administrator'
  | 'revoked_by_leak_protection';

/** The notices about a token's expiry, which the sweep schedules by date. */
export type ExpiryNotificationKind = Extract<NotificationKind, 'expires_in_30_days' | 'expires_in_7_days' | 'expired'>;

/** A notice recorded and not yet delivered, with what its e-mail says. */
export interface PendingNotification {
  id: number;
  kind: NotificationKind;
  /** Where the token was found (leak protection only). */
  leak: LeakLocation | null;
  /** Failed deliveries so far. */
  attempts: number;
  token: { id: number; name: string; expiresAt: string | null; revoked: boolean };
  owner: { id: number; username: string; name: string; email: string; state: UserState };
}

/** How one delivery ended: `retry` keeps the notice for a later sweep. */
export type DeliveryOutcome = 'sent' | 'skipped' | 'failed' | 'retry';
