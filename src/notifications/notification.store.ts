import type { LeakLocation } from '../tokens/revocation-notifier.js';
import type { DeliveryOutcome, ExpiryNotificationKind, NotificationKind, PendingNotification } from './notification.js';

/**
 * The notices owed to token owners and what became of them (an outbox).
 * A notice is recorded once per token and kind: recording it again does
 * nothing, which is what makes every notice go out at most once.
 */
export interface NotificationStore {
  /**
   * Records `kind` for every token not revoked whose owner is active and
   * whose expiry date is after `after` and at most `onOrBefore` (dates,
   * YYYY-MM-DD), unless recorded before; returns how many it recorded.
   */
  recordExpiring(kind: ExpiryNotificationKind, range: { after: string; onOrBefore: string }, now: Date): Promise<number>;
  /** Records one notice about a token; false when it was recorded before. */
  record(tokenId: number, kind: NotificationKind, leak: LeakLocation | null, now: Date): Promise<boolean>;
  /** Notices not yet delivered whose next attempt is due at `now`, oldest first. */
  due(now: Date, limit: number): Promise<PendingNotification[]>;
  /** Records how a delivery ended; `retry` sets the next attempt to `retryAt`. */
  settle(id: number, outcome: DeliveryOutcome, now: Date, retryAt?: Date): Promise<void>;
}
