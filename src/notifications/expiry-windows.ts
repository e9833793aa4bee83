/**
 * Which expiry notice is due on a given day. A token stops working at
 * 00:00 UTC of its expiry date, so on that date it has expired. Each window
 * spans several days, so a sweep missed on the exact day (no instance
 * running) sends the notice late rather than never; the notice store sends
 * each at most once.
 */
import { addDays } from '../lib/dates.js';
import type { ExpiryNotificationKind } from './notification.js';

/** Days after its expiry date an `expired` notice is still sent. */
export const EXPIRED_GRACE_DAYS = 7;

/** A notice and the expiry dates it is due for: after `after`, at most `onOrBefore`. */
export interface ExpiryWindow {
  kind: ExpiryNotificationKind;
  after: string;
  onOrBefore: string;
}

/**
 * The windows on `today` (YYYY-MM-DD, UTC): expiring in 8 to 30 days, in 1
 * to 7 days, and expired today or in the last days of grace. A token
 * created with 20 days left is told at once and again 7 days before; one
 * created with 5 days left only once before it expires.
 *
 * @example
 * expiryWindows('2026-12-03')[1] // { kind: 'expires_in_7_days', after: '2026-12-03', onOrBefore: '2026-12-10' }
 */
export function expiryWindows(today: string): ExpiryWindow[] {
  return [
    { kind: 'expires_in_30_days', after: addDays(today, 7), onOrBefore: addDays(today, 30) },
    { kind: 'expires_in_7_days', after: today, onOrBefore: addDays(today, 7) },
    { kind: 'expired', after: addDays(today, -EXPIRED_GRACE_DAYS), onOrBefore: today },
  ];
}
