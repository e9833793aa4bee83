/**
 * Bounds what noisy actions can write. Failed sign-ins are what a brute
 * force produces; recorded one by one they would let it fill the disk. For
 * each throttled action, fixed windows: at most `perKey` events per key (an
 * address, a token) and `total` in all are recorded one by one; the rest
 * are counted, and when the window closes one summary event says how many
 * were not recorded and which keys sent most. Rows written per window are
 * therefore at most `total + 1` per action, whatever the traffic. Counts
 * are per process: N instances write at most N times as many.
 */
import type { AuditAction, AuditRecord } from './audit-event.js';

/** How one action is throttled. */
export interface ThrottleRule {
  windowMs: number;
  /** Events per key and window recorded one by one. */
  perKey: number;
  /** Events per window recorded one by one, all keys together. */
  total: number;
  /**
   * Whether events over `perKey` count in the summary (failures: yes, each
   * is an attempt), or are mere repeats of one already recorded (the same
   * account signing in again from the same address: dropped).
   */
  summarizeRepeats: boolean;
  /** The key the event is counted under; null: this event is not throttled. */
  key(record: AuditRecord, ip: string | null): string | null;
}

/** What a closed window did not record one by one. */
export interface ThrottleSummary {
  action: AuditAction;
  windowStart: Date;
  windowEnd: Date;
  suppressed: number;
  /** The keys with most suppressed events, most first, as `key: count` (at most TOP_KEYS). */
  top: string[];
}

const TOP_KEYS = 10;
/** Distinct keys remembered per window for the summary's top list; the rest are counted only. */
const MAX_KEYS = 1000;

interface Window {
  start: number;
  recorded: number;
  perKey: Map<string, number>;
  suppressed: number;
  byKey: Map<string, number>;
}

/** The windows of every throttled action; see the module comment. */
export class AuditThrottle {
  private readonly windows = new Map<AuditAction, Window>();
  /** Summaries of windows that closed when a later event opened the next one. */
  private readonly closed: ThrottleSummary[] = [];

  constructor(
    private readonly rules: Partial<Readonly<Record<AuditAction, ThrottleRule>>>,
    private readonly now: () => number,
  ) {}

  /** True when the event is to be recorded one by one; false when it was counted for the summary instead. */
  admit(record: AuditRecord, ip: string | null): boolean {
    const rule = this.rules[record.action];
    const key = rule?.key(record, ip) ?? null;
    if (!rule || key === null) return true;
    const window = this.current(record.action, rule);
    const used = window.perKey.get(key) ?? 0;
    if (used < rule.perKey && window.recorded < rule.total) {
      window.perKey.set(key, used + 1);
      window.recorded += 1;
      return true;
    }
    if (used < rule.perKey || rule.summarizeRepeats) {
      window.suppressed += 1;
      if (window.byKey.has(key) || window.byKey.size < MAX_KEYS) window.byKey.set(key, (window.byKey.get(key) ?? 0) + 1);
    }
    return false;
  }

  /**
   * Summaries of the windows that have closed — every window with
   * `everything` (at shutdown) — each returned once.
   */
  drain(everything = false): ThrottleSummary[] {
    const now = this.now();
    const out = this.closed.splice(0);
    for (const [action, window] of this.windows) {
      const rule = this.rules[action]!;
      if (!everything && window.start + rule.windowMs > now) continue;
      this.windows.delete(action);
      const summary = summarize(action, window, rule.windowMs);
      if (summary) out.push(summary);
    }
    return out;
  }

  private current(action: AuditAction, rule: ThrottleRule): Window {
    const start = Math.floor(this.now() / rule.windowMs) * rule.windowMs;
    const window = this.windows.get(action);
    if (window?.start === start) return window;
    const summary = window ? summarize(action, window, rule.windowMs) : null;
    if (summary) this.closed.push(summary);
    const fresh: Window = { start, recorded: 0, perKey: new Map(), suppressed: 0, byKey: new Map() };
    this.windows.set(action, fresh);
    return fresh;
  }
}

function summarize(action: AuditAction, window: Window, windowMs: number): ThrottleSummary | null {
  if (window.suppressed === 0) return null;
  const top = [...window.byKey.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, TOP_KEYS)
    .map(([key, count]) => `${key}: ${count}`);
  return {
    action,
    windowStart: new Date(window.start),
    windowEnd: new Date(window.start + windowMs),
    suppressed: window.suppressed,
    top,
  };
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const surfaceOf = (record: AuditRecord): string => String(record.details?.surface ?? '');

/**
 * gitgate's rules. Failed sign-ins: 10 per address and 60 in all per
 * minute (the IP ban, 10 failures by default, usually ends an address's
 * run first). Bans: one event per address, 60 per minute. A token's new
 * addresses: 10 per token, 100 in all per hour. Successful sign-ins outside
 * the web pages (every git request over HTTP with a password signs in
 * again): the first per account, surface, credential and address each
 * hour, 1000 in all; web sign-ins are all recorded.
 */
export const DEFAULT_THROTTLE_RULES: Partial<Readonly<Record<AuditAction, ThrottleRule>>> = {
  sign_in_failed: { windowMs: MINUTE, perKey: 10, total: 60, summarizeRepeats: true, key: (_r, ip) => ip ?? 'unknown' },
  ip_banned: { windowMs: MINUTE, perKey: 1, total: 60, summarizeRepeats: true, key: (r) => r.target?.details ?? 'unknown' },
  personal_access_token_used_from_new_address: {
    windowMs: HOUR,
    perKey: 10,
    total: 100,
    summarizeRepeats: true,
    key: (r) => `token ${r.target?.id ?? '?'}`,
  },
  sign_in_succeeded: {
    windowMs: HOUR,
    perKey: 1,
    total: 1000,
    summarizeRepeats: false,
    key: (r, ip) => (surfaceOf(r) === 'web' ? null : `${r.author.id}|${surfaceOf(r)}|${String(r.details?.credential)}|${ip ?? ''}`),
  },
};
