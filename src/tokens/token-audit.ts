/**
 * The audit events of personal access tokens. Creation, rotation and
 * revocation are awaited by the service (the event is stored when the
 * response goes out); expiry and new addresses are noticed on the request
 * path of every token use, so they are recorded without waiting, once each:
 * - `personal_access_token_expired`: when a use is first refused because the
 *   token expired (not by a sweep: a token nobody presents again has no
 *   event; its `expires_at` says when it stopped);
 * - `personal_access_token_used_from_new_address`: the first use from each
 *   address, across instances, for as long as the events are kept (the
 *   audit table remembers every address, where `last_used_ips` keeps five).
 */
import { SYSTEM_AUTHOR, UNAUTHENTICATED, authorOf, userEntity, type AuditRecord, type AuditTarget } from '../audit/audit-event.js';
import type { AuditRecorder } from '../audit/audit-log.js';
import type { Identity } from '../identity/principal.js';
import type { UserStore } from '../users/user.store.js';
import type { PersonalAccessToken } from './token.js';
import type { LeakLocation } from './revocation-notifier.js';
import type { TokenAuthRecord } from './token-lookup.js';
import type { TokenStore } from './token.store.js';

type Account = Pick<Identity, 'id' | 'username'>;

function tokenTarget(token: Pick<PersonalAccessToken, 'id' | 'name'>): AuditTarget {
  return { type: 'PersonalAccessToken', id: token.id, details: token.name };
}

/** Records token events; see the module comment. */
export class TokenAudit {
  constructor(
    private readonly audit: AuditRecorder,
    private readonly tokens: TokenStore,
    private readonly users: UserStore,
  ) {}

  created(actor: Identity, owner: Account, token: PersonalAccessToken): Promise<void> {
    return this.audit.record({
      action: 'personal_access_token_created',
      author: authorOf(actor),
      entity: userEntity(owner),
      target: tokenTarget(token),
      details: { scopes: token.scopes, expires_at: token.expiresAt },
    });
  }

  async rotated(actor: Identity, old: PersonalAccessToken, fresh: PersonalAccessToken): Promise<void> {
    await this.audit.record({
      action: 'personal_access_token_rotated',
      author: authorOf(actor),
      entity: await this.ownerOf(old, actor),
      target: tokenTarget(fresh),
      details: { previous_token_id: old.id, expires_at: fresh.expiresAt },
    });
  }

  async revoked(actor: Identity, token: PersonalAccessToken): Promise<void> {
    await this.audit.record({
      action: 'personal_access_token_revoked',
      author: authorOf(actor),
      entity: await this.ownerOf(token, actor),
      target: tokenTarget(token),
      details: { reason: actor.id === token.userId ? 'revoked_by_owner' : 'revoked_by_administrator' },
    });
  }

  /** A token found in a push and revoked by secret push protection; `pusher` pushed it. */
  async leaked(pusher: Identity | null, token: PersonalAccessToken, leak: LeakLocation): Promise<void> {
    const owner = await this.users.findById(token.userId);
    await this.audit.record({
      action: 'personal_access_token_leaked',
      author: pusher ? authorOf(pusher) : SYSTEM_AUTHOR,
      entity: userEntity({ id: token.userId, username: owner?.username ?? '' }),
      target: tokenTarget(token),
      details: { reason: 'secret_push_protection', project: leak.project, commit: leak.commit, path: leak.path },
    });
  }

  /** A revoked token presented for rotation: its whole family was revoked (GitLab's reuse detection). */
  async familyRevoked(record: TokenAuthRecord, count: number): Promise<void> {
    const token = await this.tokens.findById(record.tokenId);
    await this.audit.record({
      action: 'personal_access_token_revoked',
      author: UNAUTHENTICATED,
      entity: userEntity({ id: record.userId, username: record.username }),
      target: tokenTarget({ id: record.tokenId, name: token?.name ?? '' }),
      details: { reason: 'reuse_of_revoked_token', tokens_revoked: count },
    });
  }

  /** A use refused because the token expired; recorded once per token. Does not wait. */
  expired(record: TokenAuthRecord): void {
    void this.audit.recordOnce(`personal_access_token_expired:${record.tokenId}`, async () =>
      this.about(record, { action: 'personal_access_token_expired', author: SYSTEM_AUTHOR, details: { expires_at: record.expiresAt } }),
    );
  }

  /** A use from `ip`; recorded the first time for each address. Does not wait. */
  usedFrom(record: TokenAuthRecord, ip: string): void {
    void this.audit.recordOnce(`personal_access_token_address:${record.tokenId}:${ip}`, async () =>
      this.about(record, {
        action: 'personal_access_token_used_from_new_address',
        author: authorOf({ id: record.userId, username: record.username }),
        details: { address: ip },
      }),
    );
  }

  /** `partial` about the token of `record`, its name looked up. */
  private async about(record: TokenAuthRecord, partial: Pick<AuditRecord, 'action' | 'author' | 'details'>): Promise<AuditRecord> {
    const token = await this.tokens.findById(record.tokenId);
    return {
      ...partial,
      entity: userEntity({ id: record.userId, username: record.username }),
      target: tokenTarget({ id: record.tokenId, name: token?.name ?? '' }),
    };
  }

  /** The owner's entity: the actor when it is the owner, else looked up (an administrator acting). */
  private async ownerOf(token: PersonalAccessToken, actor: Identity) {
    if (actor.id === token.userId) return userEntity(actor);
    const owner = await this.users.findById(token.userId);
    return userEntity({ id: token.userId, username: owner?.username ?? '' });
  }
}
