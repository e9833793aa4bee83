/**
 * The audit log: services record security events here; administrators read
 * them through the API, users their own on the web page, and a webhook may
 * receive each one.
 *
 * Recording never fails the action it records. `record` resolves once the
 * event is stored or its write failed, and never rejects: a failed write is
 * logged (warn, without the event's details) and counted
 * (`gitgate_audit_events_total{result="failed"}`), so a database hiccup
 * cannot turn a sign-in or a revocation into an error. Callers that change
 * state await it (the event is stored when their response goes out);
 * callers on the hot path of every request (token use) do not.
 */
import type { Logger } from 'pino';
import { LRUCache } from 'lru-cache';
import type { Clock } from '../lib/clock.js';
import { NotFoundError } from '../lib/errors.js';
import type { Metrics } from '../lib/metrics.js';
import { currentRequestContext } from '../lib/request-context.js';
import { INSTANCE, SYSTEM_AUTHOR, type AuditEvent, type AuditRecord, type NewAuditEvent } from './audit-event.js';
import { AuditThrottle, DEFAULT_THROTTLE_RULES, type ThrottleRule, type ThrottleSummary } from './audit-throttle.js';
import type { AuditQuery, AuditStore } from './audit.store.js';
import type { AuditAction } from './audit-event.js';

/** What services need of the audit log: recording (see AuditLog.record and recordOnce). */
export interface AuditRecorder {
  record(record: AuditRecord): Promise<void>;
  recordOnce(key: string, build: () => Promise<AuditRecord | null>): Promise<void>;
}

/** Receives every stored event (the webhook); must not block or throw. */
export interface AuditSink {
  deliver(event: AuditEvent): void;
  /** Finishes what it can within its own bounds (shutdown). */
  close(): Promise<void>;
}

export interface AuditLogDeps {
  store: AuditStore;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  sinks?: readonly AuditSink[];
  /** Events older than this many days are deleted (hourly); null keeps them. */
  retentionDays?: number | null;
  /** Overrides of the throttle rules (tests). */
  throttleRules?: Partial<Readonly<Record<AuditAction, ThrottleRule>>>;
}

const DAY_MS = 86_400_000;
const DONE: Promise<void> = Promise.resolve();
const SUMMARY_INTERVAL_MS = 60_000;
const RETENTION_INTERVAL_MS = 3_600_000;
/** Once-keys known to be stored, so a token refused every minute does not write every minute. */
const MAX_ONCE_KEYS = 10_000;
/** The web page's "recent events". */
const RECENT = 20;

export class AuditLog implements AuditRecorder {
  private readonly throttle: AuditThrottle;
  private readonly stored = new LRUCache<string, true>({ max: MAX_ONCE_KEYS });
  private readonly pending = new Set<Promise<unknown>>();
  private readonly timers: NodeJS.Timeout[];
  private closed = false;

  constructor(private readonly deps: AuditLogDeps) {
    this.throttle = new AuditThrottle(deps.throttleRules ?? DEFAULT_THROTTLE_RULES, () => deps.clock.now().getTime());
    this.timers = [setInterval(() => this.writeSummaries(false), SUMMARY_INTERVAL_MS)];
    const days = deps.retentionDays ?? null;
    if (days !== null) this.timers.push(setInterval(() => void this.deleteExpired(), RETENTION_INTERVAL_MS));
    for (const timer of this.timers) timer.unref();
  }

  /**
   * Records `record` with the time, and the client address and request id
   * of the request being served (request-context). Resolves when it is
   * stored, skipped (a once-key already stored, or over a throttle: see
   * audit-throttle.ts) or failed and logged; never rejects.
   */
  record(record: AuditRecord): Promise<void> {
    try {
      return this.admit(record, null).then(() => undefined);
    } catch (err) {
      this.deps.logger.warn({ err, action: record.action }, 'audit event not recorded');
      return Promise.resolve();
    }
  }

  /**
   * Records the event `build` makes at most once ever under `key`, across
   * instances (a token's expiry, a token's first use from an address).
   * `build` runs only while the key is not known to be stored, so it may
   * look things up; null records nothing. Never rejects, like `record`.
   */
  recordOnce(key: string, build: () => Promise<AuditRecord | null>): Promise<void> {
    // The path of every token use: a key known to be stored costs one LRU lookup, nothing counted.
    if (this.closed || this.stored.has(key)) return DONE;
    // Claimed at once, so concurrent calls of this process do not each ask the database; forgotten unless stored.
    this.stored.set(key, true);
    return this.track(this.once(key, build));
  }

  private async once(key: string, build: () => Promise<AuditRecord | null>): Promise<void> {
    try {
      // Asked before the throttle: an event already stored must not use up its budget.
      if (await this.deps.store.hasOnceKey(key)) return void this.deps.metrics.auditEvents.inc({ result: 'duplicate' });
      const record = await build();
      if (!record || !(await this.admit(record, key))) this.stored.delete(key);
    } catch (err) {
      this.stored.delete(key);
      this.deps.metrics.auditEvents.inc({ result: 'failed' });
      this.deps.logger.warn({ err }, 'audit event not recorded');
    }
  }

  /** One event, or NotFoundError('404 Audit Event'). */
  async get(id: number): Promise<AuditEvent> {
    const event = await this.deps.store.findById(id);
    if (!event) throw new NotFoundError('404 Audit Event');
    return event;
  }

  /** Events matching `query`, newest first, and how many match in all. */
  async list(query: AuditQuery): Promise<{ events: AuditEvent[]; total: number }> {
    const [events, total] = await Promise.all([this.deps.store.list(query), this.deps.store.count(query)]);
    return { events, total };
  }

  /** The latest events about the account or by it, newest first (the web page). */
  recentFor(userId: number, limit = RECENT): Promise<AuditEvent[]> {
    return this.deps.store.list({ involvingUser: userId, limit });
  }

  /** Resolves when every write started so far has finished (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Writes the summaries of open windows, waits for writes and closes the sinks; later records are dropped. */
  async close(): Promise<void> {
    if (this.closed) return;
    for (const timer of this.timers) clearInterval(timer);
    this.writeSummaries(true);
    this.closed = true;
    await this.flush();
    await Promise.all((this.deps.sinks ?? []).map((sink) => sink.close()));
  }

  /** Throttles and writes; resolves to whether the event is stored now (by this call or before). */
  private async admit(record: AuditRecord, onceKey: string | null): Promise<boolean> {
    if (this.closed) return false;
    this.writeSummaries(false);
    const { ip, requestId } = currentRequestContext();
    if (!this.throttle.admit(record, ip)) {
      this.deps.metrics.auditEvents.inc({ result: 'suppressed' });
      return false;
    }
    return this.write({
      createdAt: this.deps.clock.now(),
      action: record.action,
      author: record.author,
      entity: record.entity,
      target: record.target ?? null,
      ipAddress: ip,
      requestId,
      details: record.details ?? {},
      onceKey,
    });
  }

  /** Appends `event`; resolves to whether it is stored (a once-key's duplicate counts as stored). */
  private write(event: NewAuditEvent): Promise<boolean> {
    const written = this.deps.store.append(event).then(
      (stored) => {
        this.deps.metrics.auditEvents.inc({ result: stored ? 'recorded' : 'duplicate' });
        if (stored) for (const sink of this.deps.sinks ?? []) sink.deliver(stored);
        return true;
      },
      (err: unknown) => {
        this.deps.metrics.auditEvents.inc({ result: 'failed' });
        this.deps.logger.warn({ err, action: event.action }, 'audit event not recorded: the write failed');
        return false;
      },
    );
    return this.track(written);
  }

  /** Keeps `work` in `pending` until it settles, for flush. */
  private track<T>(work: Promise<T>): Promise<T> {
    const tracked = work.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
    return tracked;
  }

  private writeSummaries(everything: boolean): void {
    for (const summary of this.throttle.drain(everything)) void this.write(summaryEvent(summary, this.deps.clock.now()));
  }

  /** Deletes the events past the retention period (GITGATE_AUDIT_RETENTION_DAYS); the hourly timer calls it. Never rejects. */
  async deleteExpired(): Promise<void> {
    const days = this.deps.retentionDays ?? null;
    if (days === null) return;
    try {
      const deleted = await this.deps.store.deleteBefore(new Date(this.deps.clock.now().getTime() - days * DAY_MS));
      if (deleted > 0) this.deps.logger.info({ deleted, retentionDays: days }, 'audit events past their retention deleted');
    } catch (err) {
      this.deps.logger.warn({ err }, 'audit retention sweep failed');
    }
  }
}

/** The event standing for what a throttle window did not record one by one. */
function summaryEvent(summary: ThrottleSummary, now: Date): NewAuditEvent {
  return {
    createdAt: now,
    action: summary.action,
    author: SYSTEM_AUTHOR,
    entity: INSTANCE,
    target: null,
    ipAddress: null,
    requestId: null,
    details: {
      aggregated: true,
      suppressed: summary.suppressed,
      window_start: summary.windowStart.toISOString(),
      window_end: summary.windowEnd.toISOString(),
      top: summary.top,
      custom_message: `${summary.suppressed} more ${summary.action} events in this window were counted, not recorded one by one`,
    },
    onceKey: null,
  };
}
