/**
 * The per-address attempt ledger of one process: the ban ledger when Redis
 * is not configured, and the insurance while Redis is unreachable. Same
 * rules as RedisAttemptLedger (see ban-policy.ts); bounded in memory.
 */
import { LRUCache } from 'lru-cache';
import type { AttemptLedger, AttemptOutcome, Reservation } from '../identity/attempt-ledger.js';
import type { BanPolicy } from './ban-policy.js';
import { SLOT_TTL_MS } from './ban-policy.js';

interface AddressState {
  failures: number;
  /** End of the window the failures were counted in (ms). */
  windowEnd: number;
  /** Banned until (ms); 0 when not banned. */
  bannedUntil: number;
  /** Tickets in flight and when each is presumed lost (ms). */
  slots: Map<string, number>;
}

const MAX_ADDRESSES = 100_000;

/** In-process AttemptLedger keyed by client address. */
export class MemoryAttemptLedger implements AttemptLedger<string> {
  private readonly states = new LRUCache<string, AddressState>({ max: MAX_ADDRESSES });

  constructor(private readonly policy: BanPolicy) {}

  async reserve(ip: string, ticket: string, now: Date): Promise<Reservation> {
    const t = now.getTime();
    const state = this.states.get(ip) ?? { failures: 0, windowEnd: 0, bannedUntil: 0, slots: new Map<string, number>() };
    if (state.bannedUntil > t) return { kind: 'blocked', until: new Date(state.bannedUntil) };
    state.bannedUntil = 0;
    for (const [held, deadline] of state.slots) if (deadline <= t) state.slots.delete(held);
    const failures = state.windowEnd > t ? state.failures : 0;
    if (failures + state.slots.size >= this.policy.maxRetry) return { kind: 'busy' };
    state.slots.set(ticket, t + SLOT_TTL_MS);
    this.states.set(ip, state);
    return { kind: 'granted', ticket };
  }

  async settle(ip: string, ticket: string, outcome: AttemptOutcome, now: Date): Promise<Date | null> {
    const state = this.states.get(ip);
    if (!state || !state.slots.delete(ticket)) return null;
    const t = now.getTime();
    if (outcome === 'success') {
      state.failures = 0;
      state.windowEnd = 0;
    } else if (outcome === 'failure' && state.bannedUntil <= t) {
      if (state.windowEnd <= t) {
        state.failures = 0;
        state.windowEnd = t + this.policy.findTimeSeconds * 1000;
      }
      state.failures += 1;
      if (state.failures >= this.policy.maxRetry) {
        state.failures = 0;
        state.windowEnd = 0;
        state.bannedUntil = t + this.policy.banTimeSeconds * 1000;
        return new Date(state.bannedUntil);
      }
    }
    return null;
  }

  /** The instant `ip` is banned until, or null. */
  async bannedUntil(ip: string, now: Date): Promise<Date | null> {
    const until = this.states.get(ip)?.bannedUntil ?? 0;
    return until > now.getTime() ? new Date(until) : null;
  }
}
