/**
 * FailedAuthGuard over an attempt ledger per address: in Redis when
 * configured, so every instance sees the same counts and bans; in process
 * otherwise. While Redis fails, an in-process ledger takes over (the
 * insurance) rather than banning everyone or nobody; an attempt is always
 * settled in the ledger that granted it.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { reserveAttempt, type Attempt, type AttemptLedger, type AttemptOutcome, type Reservation } from '../identity/attempt-ledger.js';
import type { FailedAuthGuard } from '../identity/failed-auth-guard.js';
import { BannedError } from '../lib/errors.js';
import { IpAllowlist } from '../lib/ip-allowlist.js';
import type { Metrics } from '../lib/metrics.js';
import type { BanPolicy } from './ban-policy.js';
import { MemoryAttemptLedger } from './memory-attempt-ledger.js';
import { RedisAttemptLedger } from './redis-attempt-ledger.js';

/** Addresses the ban does not apply to reserve nothing. */
const UNGUARDED: Attempt = { settle: async () => null };

type BanLedger = AttemptLedger<string> & { bannedUntil(ip: string, now: Date): Promise<Date | null> };

export class IpBanGuard implements FailedAuthGuard {
  private readonly memory: MemoryAttemptLedger;
  private readonly redis: RedisAttemptLedger | null;
  private readonly allowed: IpAllowlist;
  private readonly ledger: AttemptLedger<string>;

  constructor(
    private readonly policy: BanPolicy,
    private readonly metrics: Metrics,
    redis: { client: Redis; prefix: string } | null,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.memory = new MemoryAttemptLedger(policy);
    this.redis = redis ? new RedisAttemptLedger(redis.client, redis.prefix, policy) : null;
    this.allowed = new IpAllowlist(policy.allowlist);
    this.ledger = this.redis ? insured(this.redis, this.memory) : this.memory;
  }

  async check(ip: string): Promise<void> {
    if (!this.applies(ip)) return;
    const until = await bannedUntil(this.redis, this.memory, ip, this.now());
    if (until) this.refuse();
  }

  async begin(ip: string): Promise<Attempt> {
    if (!this.applies(ip)) return UNGUARDED;
    const attempt = await reserveAttempt(this.ledger, ip, { now: this.now, ticket: randomUUID, onBlocked: () => this.refuse() });
    return {
      settle: async (outcome) => {
        if (outcome !== 'failure') {
          // Not awaited: the release goes out on the connection before any later reservation of this
          // instance, so Redis applies them in order; if it is lost, the slot expires by itself.
          void attempt.settle(outcome).catch(() => undefined);
          return null;
        }
        this.metrics.authFailures.inc();
        return attempt.settle(outcome);
      },
    };
  }

  private refuse(): never {
    this.metrics.authBans.inc();
    throw new BannedError();
  }

  private applies(ip: string): boolean {
    return this.policy.enabled && !this.allowed.has(ip);
  }
}

/** A ban in either ledger counts: one recorded during a Redis outage outlives it. */
async function bannedUntil(redis: BanLedger | null, memory: BanLedger, ip: string, now: Date): Promise<Date | null> {
  const shared = redis ? await redis.bannedUntil(ip, now).catch(() => null) : null;
  return shared ?? (await memory.bannedUntil(ip, now));
}

/** Redis first; on a Redis error the in-process ledger, remembered per ticket for the settle. */
function insured(primary: AttemptLedger<string>, fallback: MemoryAttemptLedger): AttemptLedger<string> {
  const onFallback = new Set<string>();
  return {
    async reserve(ip: string, ticket: string, now: Date): Promise<Reservation> {
      const local = await fallback.bannedUntil(ip, now);
      if (local) return { kind: 'blocked', until: local };
      try {
        return await primary.reserve(ip, ticket, now);
      } catch {
        const reservation = await fallback.reserve(ip, ticket, now);
        if (reservation.kind === 'granted') onFallback.add(ticket);
        return reservation;
      }
    },
    async settle(ip: string, ticket: string, outcome: AttemptOutcome, now: Date): Promise<Date | null> {
      if (onFallback.delete(ticket)) return fallback.settle(ip, ticket, outcome, now);
      try {
        return await primary.settle(ip, ticket, outcome, now);
      } catch {
        // The slot Redis holds expires by itself (SLOT_TTL_MS); a failure is still counted, here.
        if (outcome !== 'failure' || (await fallback.reserve(ip, ticket, now)).kind !== 'granted') return null;
        return fallback.settle(ip, ticket, outcome, now);
      }
    },
  };
}
