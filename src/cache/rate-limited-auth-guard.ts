/**
 * FailedAuthGuard on rate-limiter-flexible: `maxRetry` failures from one IP
 * within `findTimeSeconds` ban it for `banTimeSeconds` (GitLab's
 * git_basic_auth maxretry / findtime / bantime). Counters live in Redis when
 * configured, so every instance sees the same ban; in process otherwise. If
 * Redis fails, an in-process limiter takes over ("insurance") rather than
 * either banning everyone or nobody.
 */
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { FailedAuthGuard } from '../auth/failed-auth-guard.js';
import { BannedError } from '../lib/errors.js';
import { IpAllowlist } from '../lib/ip-allowlist.js';
import type { Metrics } from '../lib/metrics.js';

export interface BanPolicy {
  enabled: boolean;
  maxRetry: number;
  findTimeSeconds: number;
  banTimeSeconds: number;
  /** IPs or CIDRs never banned. */
  allowlist: readonly string[];
}

export class RateLimitedAuthGuard implements FailedAuthGuard {
  private readonly limiter: RateLimiterAbstract;
  private readonly allowed: IpAllowlist;
  /** IPs whose last check saw failures; only their successes need a reset write. */
  private readonly withFailures = new Set<string>();

  constructor(
    private readonly policy: BanPolicy,
    private readonly metrics: Metrics,
    redis: { client: Redis; prefix: string } | null,
  ) {
    const limits = {
      points: policy.maxRetry,
      duration: policy.findTimeSeconds,
      keyPrefix: `${redis?.prefix ?? ''}auth-ban`,
    };
    const memory = new RateLimiterMemory(limits);
    this.limiter = redis
      ? new RateLimiterRedis({ ...limits, storeClient: redis.client, insuranceLimiter: memory, rejectIfRedisNotReady: true })
      : memory;
    this.allowed = new IpAllowlist(policy.allowlist);
  }

  async check(ip: string): Promise<void> {
    if (!this.applies(ip)) return;
    const state = await this.limiter.get(ip).catch(() => null);
    if (state && state.consumedPoints > 0) this.noteFailures(ip);
    if (state && state.consumedPoints > this.policy.maxRetry && state.msBeforeNext > 0) {
      this.metrics.authBans.inc();
      throw new BannedError();
    }
  }

  async recordFailure(ip: string): Promise<void> {
    if (!this.applies(ip)) return;
    this.metrics.authFailures.inc();
    this.noteFailures(ip);
    // consume() rejects with the same result shape once past the limit.
    const counted: unknown = await this.limiter.consume(ip).catch((res: unknown) => res);
    const consumed = (counted as { consumedPoints?: number } | null)?.consumedPoints ?? 0;
    // Like Rack::Attack's Allow2Ban (GitLab): the maxretry-th failure bans.
    if (consumed >= this.policy.maxRetry) {
      await this.limiter.block(ip, this.policy.banTimeSeconds).catch(() => undefined);
    }
  }

  async recordSuccess(ip: string): Promise<void> {
    // Skipping a reset can only keep a count higher, never admit anyone.
    if (!this.applies(ip) || !this.withFailures.delete(ip)) return;
    await this.limiter.delete(ip).catch(() => undefined);
  }

  private noteFailures(ip: string): void {
    if (this.withFailures.size >= 100_000) this.withFailures.clear();
    this.withFailures.add(ip);
  }

  private applies(ip: string): boolean {
    return this.policy.enabled && !this.allowed.has(ip);
  }
}
