/**
 * E-mail to token owners: 30 and 7 days before a token expires, on the day
 * it expired, and when someone else revoked it (an administrator, leak
 * protection). Every notice is first recorded in the database, once per
 * token and kind, then delivered by a sweep that runs on one instance at a
 * time — the holder of a lease in the database — so however many instances
 * run, each notice is mailed once. Only built when SMTP is configured.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.js';
import { utcDate } from '../lib/dates.js';
import type { RevocationCause, RevocationNotifier } from '../tokens/revocation-notifier.js';
import type { PersonalAccessToken } from '../tokens/token.js';
import { expiryWindows } from './expiry-windows.js';
import type { LeaseStore } from './lease.store.js';
import type { Mailer } from './mailer.js';
import type { NotificationKind, PendingNotification } from './notification.js';
import type { NotificationStore } from './notification.store.js';
import { isDeliverable, tokenMail } from './token-mail.js';

/** The lease of the sweep in the lease store. */
export const SWEEP_LEASE = 'token-notifications';

/** How often each instance tries to sweep. */
export const SWEEP_INTERVAL_MS = 60_000;

/** How long a sweep's lease lasts unless renewed (before each e-mail; one send is bounded by the mailer's timeouts, well below). */
export const LEASE_MS = 120_000;

/** Deliveries before a notice is given up; the wait doubles from one minute (about two hours in all). */
export const MAX_ATTEMPTS = 8;

const BATCH = 50;

export interface TokenNotificationsDeps {
  store: NotificationStore;
  leases: LeaseStore;
  mailer: Mailer;
  clock: Clock;
  logger: Logger;
  /** Base of the links in the e-mails (GITGATE_EXTERNAL_URL). */
  externalUrl: string;
  /** This instance's name in the lease; default: host, pid and a random part. */
  holder?: string;
}

/** What one sweep did; `ran` is false when another instance held the lease. */
export interface SweepResult {
  ran: boolean;
  recorded: number;
  sent: number;
  skipped: number;
  failed: number;
}

function isExpiryNotice(kind: NotificationKind): boolean {
  return kind === 'expires_in_30_days' || kind === 'expires_in_7_days' || kind === 'expired';
}

/** An SMTP reply refusing this message for good (5xx), as opposed to a server that is away or busy. */
function isPermanent(err: unknown): boolean {
  const code = (err as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

export class TokenNotifications implements RevocationNotifier {
  /** The sweeps of this process run one after the other. */
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private holdsLease = false;
  private readonly holder: string;

  constructor(private readonly deps: TokenNotificationsDeps) {
    this.holder = deps.holder ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  /**
   * Records the notice and starts a sweep, which mails it now if this
   * instance gets the lease, else the lease holder mails it at its next
   * sweep. Never rejects: a failure to record is logged.
   */
  async tokenRevoked(token: PersonalAccessToken, cause: RevocationCause): Promise<void> {
    const kind = cause.kind === 'administrator' ? 'revoked_by_administrator' : 'revoked_by_leak_protection';
    const leak = cause.kind === 'leak_protection' ? { project: cause.project, commit: cause.commit, path: cause.path } : null;
    try {
      await this.deps.store.record(token.id, kind, leak, this.deps.clock.now());
    } catch (err) {
      this.deps.logger.warn({ err, tokenId: token.id, notification: kind }, 'could not record a token notice');
      return;
    }
    this.sweepLogged();
  }

  /**
   * One sweep, after any still running in this process: when this instance
   * holds (or takes) the lease, records the expiry notices due today and
   * mails every notice due.
   */
  sweep(): Promise<SweepResult> {
    const run = this.chain.then(() => this.pass());
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Sweeps now and every SWEEP_INTERVAL_MS until stop. */
  start(): void {
    if (this.timer) return;
    this.sweepLogged();
    this.timer = setInterval(() => this.sweepLogged(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  /** Stops sweeping, waits for a sweep under way, gives the lease up and closes the mailer. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.chain;
    if (this.holdsLease) {
      await this.deps.leases.release(SWEEP_LEASE, this.holder).catch((err: unknown) => this.deps.logger.warn({ err }, 'could not release the notification lease'));
      this.holdsLease = false;
    }
    await this.deps.mailer.close();
  }

  private sweepLogged(): void {
    this.sweep().catch((err: unknown) => this.deps.logger.warn({ err }, 'token notification sweep failed'));
  }

  private async pass(): Promise<SweepResult> {
    const result: SweepResult = { ran: false, recorded: 0, sent: 0, skipped: 0, failed: 0 };
    if (!(await this.renewLease())) return result;
    result.ran = true;
    const now = this.deps.clock.now();
    const today = utcDate(now);
    for (const window of expiryWindows(today)) result.recorded += await this.deps.store.recordExpiring(window.kind, window, now);
    for (;;) {
      const due = await this.deps.store.due(this.deps.clock.now(), BATCH);
      const stopped = await this.deliver(due, today, result);
      if (stopped || due.length < BATCH) return result;
    }
  }

  /** Mails `due` in order; true when the sweep must stop (lease lost, server unavailable). */
  private async deliver(due: PendingNotification[], today: string, result: SweepResult): Promise<boolean> {
    const { store, mailer, logger } = this.deps;
    for (const n of due) {
      // A pause longer than the lease (a stalled process) lets another instance take over: it goes on, not us.
      if (!(await this.renewLease())) return true;
      const fields = { notificationId: n.id, notification: n.kind, tokenId: n.token.id, userId: n.owner.id };
      if (!isDeliverable(n.owner) || (isExpiryNotice(n.kind) && n.token.revoked)) {
        await store.settle(n.id, 'skipped', this.deps.clock.now());
        result.skipped++;
        continue;
      }
      try {
        await mailer.send(tokenMail(n, { externalUrl: this.deps.externalUrl, today }));
      } catch (err) {
        const now = this.deps.clock.now();
        const attempts = n.attempts + 1;
        const final = isPermanent(err) || attempts >= MAX_ATTEMPTS;
        const retryAt = new Date(now.getTime() + 60_000 * 2 ** (attempts - 1));
        await store.settle(n.id, final ? 'failed' : 'retry', now, retryAt);
        result.failed++;
        logger.warn({ ...fields, attempts, reason: err instanceof Error ? err.message : String(err), ...(final ? {} : { retryAt }) }, final ? 'token notice given up' : 'token notice not delivered; will retry');
        if (!isPermanent(err)) return true;
        continue;
      }
      await store.settle(n.id, 'sent', this.deps.clock.now());
      result.sent++;
      logger.info(fields, 'token notice sent');
    }
    return false;
  }

  private async renewLease(): Promise<boolean> {
    const now = this.deps.clock.now();
    this.holdsLease = await this.deps.leases.acquire(SWEEP_LEASE, this.holder, now, new Date(now.getTime() + LEASE_MS));
    return this.holdsLease;
  }
}
