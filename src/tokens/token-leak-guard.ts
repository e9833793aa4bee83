/**
 * Secret push protection, the token side: which token-shaped strings of a
 * push are live tokens of this instance, and what happens to those that
 * are. The prefix and checksum (TokenCodec.isWellFormed) settle almost
 * every string without a lookup; the rest go through the token lookup (its
 * caches included), as an authentication would.
 */
import { projectEntity, authorOf, UNAUTHENTICATED } from '../audit/audit-event.js';
import type { AuditRecorder } from '../audit/audit-log.js';
import type { LeakedToken, PushContext, PushSecretGuard } from '../identity/push-protection.js';
import { ForbiddenError } from '../lib/errors.js';
import type { TokenCodec } from './token-codec.js';
import type { TokenLookup } from './token-lookup.js';
import type { TokenService } from './token.service.js';

/**
 * Well-formed candidates one push may make gitgate look up. A string with a
 * valid checksum is cheap to forge, so a push with more is refused rather
 * than scanned in part (a real token could hide behind the first ones).
 */
export const MAX_LOOKUPS_PER_PUSH = 1000;

export interface TokenLeakGuardDeps {
  codec: TokenCodec;
  lookup: TokenLookup;
  tokens: TokenService;
  audit: AuditRecorder;
}

/** The PushSecretGuard of this instance's personal access tokens. */
export class TokenLeakGuard implements PushSecretGuard {
  constructor(private readonly deps: TokenLeakGuardDeps) {}

  async live(candidates: readonly string[]): Promise<string[]> {
    const wellFormed = [...new Set(candidates)].filter((c) => this.deps.codec.isWellFormed(c));
    if (wellFormed.length > MAX_LOOKUPS_PER_PUSH) {
      throw new ForbiddenError(`the push holds ${wellFormed.length} strings shaped like tokens of this server; at most ${MAX_LOOKUPS_PER_PUSH} are checked`);
    }
    const live: string[] = [];
    for (const token of wellFormed) {
      if ((await this.liveTokenId(token)) !== null) live.push(token);
    }
    return live;
  }

  async leaked(push: PushContext, leaks: readonly LeakedToken[]): Promise<void> {
    const done = new Set<string>();
    for (const leak of leaks) {
      if (done.has(leak.token)) continue;
      done.add(leak.token);
      const id = await this.liveTokenId(leak.token);
      if (id === null) continue;
      await this.deps.tokens.revokeLeaked(id, { project: push.projectPath, commit: leak.commit, path: leak.path }, push.pusher);
    }
  }

  async skipped(push: PushContext): Promise<void> {
    await this.deps.audit.record({
      action: 'secret_push_protection_skipped',
      author: push.pusher ? authorOf(push.pusher) : UNAUTHENTICATED,
      entity: projectEntity({ id: push.projectId, path: push.projectPath }),
      details: { push_option: 'secret_push_protection.skip_all' },
    });
  }

  /** The id of the live token `token`, or null (unknown, revoked, expired). */
  private async liveTokenId(token: string): Promise<number | null> {
    if (!this.deps.codec.isWellFormed(token)) return null;
    const record = await this.deps.lookup.find(this.deps.codec.digest(token));
    return record && this.deps.tokens.isActive(record) ? record.tokenId : null;
  }
}
