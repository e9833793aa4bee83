import type { Clock } from '../lib/clock.js';
import type { TokenStore } from './token.store.js';

/** GitLab's throttles: last_used_at at most every 10 minutes, IPs every minute. */
const LAST_USED_INTERVAL_MS = 10 * 60_000;
const IP_INTERVAL_MS = 60_000;
const MAX_IPS = 5;
const MAX_TRACKED = 50_000;

interface Usage {
  writtenAt: number;
  ips: string[];
}

/**
 * Records token use without writing on every request: a busy CI token
 * causes at most one write per minute (new IP) or per ten minutes.
 * Writes happen off the request path; a failed write is retried next time.
 */
export class UsageRecorder {
  private readonly seen = new Map<number, Usage>();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly tokens: TokenStore,
    private readonly clock: Clock,
  ) {}

  /** Notes that `tokenId` was used from `ip` (null when unknown). */
  record(tokenId: number, ip: string | null): void {
    const now = this.clock.now().getTime();
    const prev = this.seen.get(tokenId);
    const newIp = ip !== null && !(prev?.ips.includes(ip) ?? false);
    const due =
      !prev || now - prev.writtenAt >= LAST_USED_INTERVAL_MS || (newIp && now - prev.writtenAt >= IP_INTERVAL_MS);
    if (!due) return;
    if (this.seen.size >= MAX_TRACKED) this.seen.clear();
    const entry: Usage = { writtenAt: now, ips: prev?.ips ?? [] };
    this.seen.set(tokenId, entry);
    const write = this.write(tokenId, entry, ip, new Date(now), prev === undefined)
      .catch(() => {
        this.seen.delete(tokenId);
      })
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  private async write(tokenId: number, entry: Usage, ip: string | null, at: Date, firstSeen: boolean): Promise<void> {
    // The first write in this process merges with the IPs already stored, so
    // the list survives restarts and is shared by instances.
    const known = firstSeen ? ((await this.tokens.findById(tokenId))?.lastUsedIps ?? []) : entry.ips;
    entry.ips = ip === null ? known : [ip, ...known.filter((x) => x !== ip)].slice(0, MAX_IPS);
    await this.tokens.touch(tokenId, at, entry.ips);
  }

  /** Resolves when every write started so far has finished (for tests and shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}
