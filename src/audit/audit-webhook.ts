/**
 * Forwards every audit event to one webhook (GITGATE_AUDIT_WEBHOOK_URL):
 * a POST of the event's JSON (audit-event-json.ts) with
 * `X-Gitgate-Signature-256: sha256=<hex HMAC-SHA-256 of the body under
 * GITGATE_AUDIT_WEBHOOK_SECRET>` (GitHub's scheme, so existing verifiers
 * work), `X-Gitgate-Event` (the event name) and `X-Gitgate-Delivery` (the
 * event id: the same on every retry, for deduplication).
 *
 * Requests never wait for it: `deliver` queues the event and returns. One
 * event is posted at a time, in order. A failure — no answer within the
 * timeout, a network error, 408, 429 or 5xx — is retried with exponential
 * backoff and jitter; any other answer, or the last retry failing, gives up
 * on that event (logged and counted). The queue is bounded: when it is full
 * a new event is dropped (the event stays in the database), counted and
 * logged once per burst.
 */
import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import type { Metrics } from '../lib/metrics.js';
import { PACKAGE_VERSION } from '../lib/package-version.js';
import type { AuditEvent } from './audit-event.js';
import { auditEventJson } from './audit-event-json.js';
import type { AuditSink } from './audit-log.js';

/** The header carrying the body's signature. */
export const SIGNATURE_HEADER = 'X-Gitgate-Signature-256';

export interface AuditWebhookOptions {
  url: string;
  secret: string;
  logger: Logger;
  metrics: Metrics;
  /** Events waiting at most (default 1000). */
  queueSize?: number;
  /** Attempts per event, the first included (default 6: about half a minute of retries). */
  maxAttempts?: number;
  /** First retry delay; doubled each time up to `maxDelayMs` (defaults 1 s, 60 s). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Per attempt (default 10 s). */
  timeoutMs?: number;
}

/** `sha256=` and the hex HMAC-SHA-256 of `body` under `secret`: the signature header's value. */
export function signatureOf(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** How long `close` waits for the queue to empty before dropping the rest. */
const CLOSE_WAIT_MS = 5000;
const RETRYABLE = (status: number): boolean => status === 408 || status === 429 || status >= 500;

/** The webhook sink; see the module comment. */
export class AuditWebhook implements AuditSink {
  private readonly queue: AuditEvent[] = [];
  private running: Promise<void> | null = null;
  private dropping = false;
  private closing = false;
  private readonly wake = new Set<() => void>();

  constructor(private readonly options: AuditWebhookOptions) {}

  deliver(event: AuditEvent): void {
    if (this.closing) return;
    if (this.queue.length >= (this.options.queueSize ?? 1000)) {
      this.options.metrics.auditWebhook.inc({ result: 'dropped' });
      if (!this.dropping) this.options.logger.warn({ queued: this.queue.length }, 'audit webhook queue full: events dropped (they stay in the database)');
      this.dropping = true;
      return;
    }
    this.dropping = false;
    this.queue.push(event);
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
  }

  /**
   * Stops taking events and retrying; posts those queued once each for up
   * to 5 s, then drops the rest (logged).
   */
  async close(): Promise<void> {
    this.closing = true;
    for (const wake of this.wake) wake();
    const running = this.running;
    if (!running) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([running, new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
    clearTimeout(timer);
    if (this.queue.length > 0) this.options.logger.warn({ dropped: this.queue.length }, 'audit webhook stopped with events undelivered');
    this.queue.length = 0;
  }

  private async drain(): Promise<void> {
    for (let event = this.queue[0]; event !== undefined; event = this.queue[0]) {
      await this.post(event);
      this.queue.shift();
    }
  }

  /** Posts one event until it is delivered, refused or out of attempts. */
  private async post(event: AuditEvent): Promise<void> {
    const o = this.options;
    const body = JSON.stringify(auditEventJson(event));
    const attempts = o.maxAttempts ?? 6;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const outcome = await this.attempt(event, body);
      if (outcome === 'delivered') return void o.metrics.auditWebhook.inc({ result: 'delivered' });
      if (outcome !== 'retry' || attempt === attempts || this.closing) {
        o.metrics.auditWebhook.inc({ result: 'failed' });
        o.logger.warn({ eventId: event.id, attempts: attempt, outcome }, 'audit webhook gave up on an event');
        return;
      }
      o.metrics.auditWebhook.inc({ result: 'retried' });
      await this.pause(backoff(attempt, o.baseDelayMs ?? 1000, o.maxDelayMs ?? 60_000));
    }
  }

  /** One POST: `delivered`, `retry`, or the status that refused it. */
  private async attempt(event: AuditEvent, body: string): Promise<'delivered' | 'retry' | string> {
    const o = this.options;
    try {
      const response = await fetch(o.url, {
        method: 'POST',
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': `gitgate/${PACKAGE_VERSION}`,
          'X-Gitgate-Event': event.action,
          'X-Gitgate-Delivery': String(event.id),
          [SIGNATURE_HEADER]: signatureOf(o.secret, body),
        },
      });
      await response.body?.cancel();
      if (response.status >= 200 && response.status < 300) return 'delivered';
      return RETRYABLE(response.status) ? 'retry' : `refused with ${response.status}`;
    } catch {
      return 'retry';
    }
  }

  /** Waits `ms`, or less when closing. */
  private pause(ms: number): Promise<void> {
    if (this.closing) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake.add(done);
    });
  }
}

/** Exponential backoff with full jitter between half and all of the step. */
function backoff(attempt: number, baseMs: number, maxMs: number): number {
  const step = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return step / 2 + Math.random() * (step / 2);
}
