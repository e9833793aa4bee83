/**
 * The per-address attempt ledger shared by every instance through Redis.
 * `<prefix>auth-ban:<ip>` is a hash of the failures counted (`f`), the end
 * of their window (`w`, ms) and the end of a ban (`b`, ms);
 * `<prefix>auth-ban-slots:<ip>` a sorted set of the tickets in flight, each
 * scored with the instant it is presumed lost. Each step is one Lua script,
 * so reading the failures and taking a slot cannot interleave with another
 * instance's (rate-limiter-flexible counts only after the fact, which is
 * what let concurrent guesses through).
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AttemptLedger, AttemptOutcome, Reservation } from '../identity/attempt-ledger.js';
import type { BanPolicy } from './ban-policy.js';
import { SLOT_TTL_MS } from './ban-policy.js';

/** KEYS: state, slots. ARGV: now, maxRetry, slot ttl, ticket. → {0} granted, {1, until} banned, {2} busy. */
const RESERVE = `
local now = tonumber(ARGV[1])
local banned = tonumber(redis.call('HGET', KEYS[1], 'b') or '0') or 0
if banned > now then return {1, tostring(banned)} end
local state = redis.call('HMGET', KEYS[1], 'f', 'w')
local failures = 0
if (tonumber(state[2] or '0') or 0) > now then failures = tonumber(state[1] or '0') or 0 end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if failures + redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then return {2} end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[4])
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[3]))
return {0}`;

/** KEYS: state, slots. ARGV: now, outcome, ticket, maxRetry, find time ms, ban time ms. → 1 when this failure started a ban. */
const SETTLE = `
local now = tonumber(ARGV[1])
if redis.call('ZREM', KEYS[2], ARGV[3]) == 0 then return 0 end
if ARGV[2] == 'success' then
  redis.call('HDEL', KEYS[1], 'f', 'w')
  return 0
end
if ARGV[2] ~= 'failure' then return 0 end
if (tonumber(redis.call('HGET', KEYS[1], 'b') or '0') or 0) > now then return 0 end
local state = redis.call('HMGET', KEYS[1], 'f', 'w')
local failures = 0
local window = tonumber(state[2] or '0') or 0
if window > now then failures = tonumber(state[1] or '0') or 0 else window = now + tonumber(ARGV[5]) end
failures = failures + 1
if failures >= tonumber(ARGV[4]) then
  redis.call('HSET', KEYS[1], 'f', 0, 'w', 0, 'b', now + tonumber(ARGV[6]))
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[6]))
  return 1
end
redis.call('HSET', KEYS[1], 'f', failures, 'w', window)
redis.call('PEXPIRE', KEYS[1], window - now)
return 0`;

const SHA1 = new Map([RESERVE, SETTLE].map((script) => [script, createHash('sha1').update(script).digest('hex')]));

/** AttemptLedger keyed by client address, in Redis under `prefix`. Rejects when Redis fails. */
export class RedisAttemptLedger implements AttemptLedger<string> {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly policy: BanPolicy,
  ) {}

  async reserve(ip: string, ticket: string, now: Date): Promise<Reservation> {
    const reply = (await this.run(RESERVE, [this.stateKey(ip), this.slotsKey(ip)], [now.getTime(), this.policy.maxRetry, SLOT_TTL_MS, ticket])) as [
      number,
      string?,
    ];
    if (reply[0] === 0) return { kind: 'granted', ticket };
    if (reply[0] === 1) return { kind: 'blocked', until: new Date(Number(reply[1])) };
    return { kind: 'busy' };
  }

  async settle(ip: string, ticket: string, outcome: AttemptOutcome, now: Date): Promise<Date | null> {
    const p = this.policy;
    const banned = await this.run(
      SETTLE,
      [this.stateKey(ip), this.slotsKey(ip)],
      [now.getTime(), outcome, ticket, p.maxRetry, p.findTimeSeconds * 1000, p.banTimeSeconds * 1000],
    );
    return banned === 1 ? new Date(now.getTime() + p.banTimeSeconds * 1000) : null;
  }

  /** The instant `ip` is banned until, or null. */
  async bannedUntil(ip: string, now: Date): Promise<Date | null> {
    const until = Number((await this.redis.hget(this.stateKey(ip), 'b')) ?? 0);
    return until > now.getTime() ? new Date(until) : null;
  }

  /** EVALSHA, loading the script with EVAL when Redis does not know it (first use, or after a restart). */
  private async run(script: string, keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await this.redis.evalsha(SHA1.get(script)!, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return this.redis.eval(script, keys.length, ...keys, ...args);
    }
  }

  private stateKey(ip: string): string {
    return `${this.prefix}auth-ban:${ip}`;
  }

  private slotsKey(ip: string): string {
    return `${this.prefix}auth-ban-slots:${ip}`;
  }
}
