/**
 * Personal access tokens: creation (plaintext returned once), validation on
 * every request, revocation, rotation with family reuse detection, and
 * throttled last-used bookkeeping.
 */
import type { AuditRecorder } from '../audit/audit-log.js';
import type { Identity } from '../identity/principal.js';
import { IpAllowlist } from '../lib/ip-allowlist.js';
import { parseScopes } from '../identity/scopes.js';
import type { Clock } from '../lib/clock.js';
import { addDays, isIsoDate, startOfDateUtc, utcDate } from '../lib/dates.js';
import { ForbiddenError, NotFoundError, UnauthorizedError, ValidationError, refusing } from '../lib/errors.js';
import type { UserStore } from '../users/user.store.js';
import type { PersonalAccessToken } from './token.js';
import type { TokenCodec } from './token-codec.js';
import type { TokenAuthRecord, TokenLookup } from './token-lookup.js';
import type { LeakLocation, RevocationNotifier } from './revocation-notifier.js';
import type { TokenQuery, TokenStore } from './token.store.js';
import { TokenAudit } from './token-audit.js';
import { UsageRecorder } from './usage-recorder.js';
import { parseRestrictions, type ProjectResolver, type RestrictionsInput } from './restriction-input.js';
import { broaderThanParent } from './token-attenuation.js';

/** What a caller asks for when creating a token. */
export interface CreateTokenInput {
  name: string;
  scopes: readonly string[] | string;
  expiresAt?: string | null;
  description?: string | null;
  /** What the token is limited to; absent: nothing beyond scopes and access. */
  restrictions?: RestrictionsInput;
}

/** A freshly issued token: the stored record and the plaintext, shown once. */
export interface IssuedToken {
  token: PersonalAccessToken;
  plaintext: string;
}

export interface TokenServiceDeps {
  tokens: TokenStore;
  users: UserStore;
  codec: TokenCodec;
  lookup: TokenLookup;
  /** Resolves the projects a restricted token names, as its owner sees them. */
  projects: ProjectResolver;
  clock: Clock;
  /** When set, an expiry date is required and at most this many days ahead. */
  maxLifetimeDays: number | null;
  /** Tells owners about revocations by someone else; absent: nobody is told. */
  notifier?: RevocationNotifier;
  audit: AuditRecorder;
}

/** Days a rotated token lives when no expiry is given (GitLab: one week). */
const ROTATION_DEFAULT_DAYS = 7;

export class TokenService {
  private readonly usage: UsageRecorder;
  private readonly audit: TokenAudit;

  constructor(private readonly deps: TokenServiceDeps) {
    this.usage = new UsageRecorder(deps.tokens, deps.clock);
    this.audit = new TokenAudit(deps.audit, deps.tokens, deps.users);
  }

  /** True when the token is not revoked and today is before its expiry date. */
  isActive(token: Pick<PersonalAccessToken, 'revoked' | 'expiresAt'>): boolean {
    return !token.revoked && !this.isExpired(token);
  }

  /** True once 00:00 UTC of the expiry date has passed. */
  isExpired(token: Pick<PersonalAccessToken, 'expiresAt'>): boolean {
    return token.expiresAt !== null && this.deps.clock.now() >= startOfDateUtc(token.expiresAt);
  }

  /** The configured maximum lifetime in days; when set, an expiry date is required. */
  get maxLifetimeDays(): number | null {
    return this.deps.maxLifetimeDays;
  }

  /** Today's UTC date by the service's clock. */
  today(): string {
    return utcDate(this.deps.clock.now());
  }

  /**
   * Issues a token for `ownerId`. Only the owner or an administrator may;
   * `sudo` needs an administrator owner.
   */
  async create(actor: Identity, ownerId: number, input: CreateTokenInput): Promise<IssuedToken> {
    const owner = await this.deps.users.findById(ownerId);
    if (!owner || (actor.id !== ownerId && !actor.isAdmin)) throw new NotFoundError('404 User');
    const { fields } = await this.checkInput(owner, input);
    if (fields.scopes.includes('sudo') && !owner.isAdmin) {
      throw new ValidationError('scopes', 'scopes sudo can only be granted to administrators');
    }
    const issued = await this.issue({ ...fields, userId: owner.id, previousTokenId: null, parentTokenId: null });
    await this.audit.created(actor, owner, issued.token);
    return issued;
  }

  /**
   * Attenuation: the token `parentId` mints a token for its own user that is
   * at most as strong as itself (token-attenuation.ts); ForbiddenError names
   * what was too broad. The child is revoked whenever its parent is.
   */
  async createChild(parentId: number, input: CreateTokenInput): Promise<IssuedToken> {
    const parent = await this.deps.tokens.findById(parentId);
    if (!parent || !this.isActive(parent)) throw new UnauthorizedError('revoked');
    const owner = await this.deps.users.findById(parent.userId);
    if (!owner) throw new NotFoundError('404 User');
    const { fields, projects } = await this.checkInput(owner, input);
    const broader = broaderThanParent({ ...fields, projects }, parent);
    if (broader) throw new ForbiddenError(`The new token would be broader than this token: ${broader}`);
    const issued = await this.issue({ ...fields, userId: owner.id, previousTokenId: null, parentTokenId: parent.id });
    await this.audit.created(owner, owner, issued.token);
    return issued;
  }

  /**
   * Validates a presented token and returns its record. Malformed tokens are
   * refused without touching cache or store. With `detectReuse` (rotation
   * requests only, as GitLab limits it since gitlab#418769: a CI job still
   * holding the old token must not kill the new one), presenting a revoked
   * token revokes its whole family.
   */
  async authenticate(plaintext: string, ip: string | null, options: { detectReuse?: boolean } = {}): Promise<TokenAuthRecord> {
    if (!this.deps.codec.isWellFormed(plaintext)) throw refusing(new UnauthorizedError('invalid'), { kind: 'token' });
    const digest = this.deps.codec.digest(plaintext);
    const record = await this.deps.lookup.find(digest);
    if (!record) throw refusing(new UnauthorizedError('invalid'), { kind: 'token' });
    const whose = { kind: 'token', user: { id: record.userId, username: record.username }, tokenId: record.tokenId } as const;
    if (record.revoked) {
      if (options.detectReuse) await this.revokeFamilyOnReuse(record);
      throw refusing(new UnauthorizedError('revoked', 'Token was revoked. You have to re-authorize from the user.'), whose);
    }
    if (this.isExpired(record)) {
      this.audit.expired(record);
      throw refusing(new UnauthorizedError('expired', 'Token has expired.'), whose);
    }
    if (record.userState !== 'active') throw refusing(new UnauthorizedError('blocked', 'Your account has been blocked.'), whose);
    const { allowedIps } = record.restrictions;
    if (allowedIps !== null && (ip === null || !new IpAllowlist(allowedIps).has(ip))) {
      throw refusing(new UnauthorizedError('address', `This token may not be used from ${ip ?? 'an unknown address'}.`), whose);
    }
    this.usage.record(record.tokenId, ip);
    if (ip !== null) this.audit.usedFrom(record, ip);
    return record;
  }

  /** Waits for pending last-used writes (tests, shutdown). */
  flushUsage(): Promise<void> {
    return this.usage.flush();
  }

  /** One token, visible to its owner and administrators. */
  async get(actor: Identity, id: number): Promise<PersonalAccessToken> {
    const token = await this.deps.tokens.findById(id);
    if (!token || (token.userId !== actor.id && !actor.isAdmin)) throw new NotFoundError('404 Personal Access Token');
    return token;
  }

  /** Tokens matching `query`; non-administrators only ever see their own. */
  async list(actor: Identity, query: TokenQuery): Promise<{ tokens: PersonalAccessToken[]; total: number }> {
    const scoped = actor.isAdmin ? query : { ...query, userId: actor.id };
    if (!actor.isAdmin && query.userId !== undefined && query.userId !== actor.id) {
      throw new ForbiddenError('403 Forbidden');
    }
    const [tokens, total] = await Promise.all([this.deps.tokens.list(scoped), this.deps.tokens.count(scoped)]);
    return { tokens, total };
  }

  /**
   * Revokes a token; effective on the next request on every instance.
   * Refusing an already revoked token still invalidates it first: a revoke
   * whose invalidation failed (the database went away between the two
   * steps) is completed by the caller's retry.
   */
  async revoke(actor: Identity, id: number): Promise<void> {
    const token = await this.get(actor, id);
    if (token.revoked) {
      await this.deps.lookup.invalidate([token.digest]);
      throw new ValidationError('token', 'Token is already revoked');
    }
    await this.deps.tokens.revoke(id);
    await this.deps.lookup.invalidate([token.digest, ...(await this.deps.tokens.revokeDescendants(id))]);
    await this.audit.revoked(actor, token);
    if (actor.isAdmin && actor.id !== token.userId) await this.deps.notifier?.tokenRevoked(token, { kind: 'administrator' });
  }

  /**
   * Revokes a token that push protection found in a repository (pushed by
   * `pusher`), effective on the next request everywhere as any revoke,
   * records the leak and tells its owner where it was found. False when it
   * was absent or already revoked.
   */
  async revokeLeaked(id: number, leak: LeakLocation, pusher: Identity | null = null): Promise<boolean> {
    const token = await this.deps.tokens.findById(id);
    if (!token) return false;
    const revoked = await this.deps.tokens.revoke(id);
    await this.deps.lookup.invalidate([token.digest, ...(await this.deps.tokens.revokeDescendants(id))]);
    if (!revoked) return false;
    await this.audit.leaked(pusher, token, leak);
    await this.deps.notifier?.tokenRevoked(token, { kind: 'leak_protection', ...leak });
    return true;
  }

  /**
   * Revokes `id` and issues its successor with the same name, scopes and
   * description. The new expiry is `expiresAt`, else one week from today.
   */
  async rotate(actor: Identity, id: number, expiresAt?: string | null): Promise<IssuedToken> {
    const old = await this.get(actor, id);
    if (!this.isActive(old)) {
      // As in revoke: a rotation cut short after revoking is completed by the retry.
      if (old.revoked) await this.deps.lookup.invalidate([old.digest]);
      throw new ValidationError('token', 'Token is not active');
    }
    const expiry = this.checkExpiry(expiresAt ?? addDays(this.today(), ROTATION_DEFAULT_DAYS));
    if (!(await this.deps.tokens.revoke(old.id))) throw new ValidationError('token', 'Token is not active');
    await this.deps.lookup.invalidate([old.digest, ...(await this.deps.tokens.revokeDescendants(old.id))]);
    const issued = await this.issue({
      userId: old.userId,
      name: old.name,
      description: old.description,
      scopes: old.scopes,
      expiresAt: expiry,
      previousTokenId: old.id,
      restrictions: old.restrictions,
      parentTokenId: old.parentTokenId,
    });
    await this.audit.rotated(actor, old, issued.token);
    return issued;
  }

  /** Revokes every token of a user (used when an account is deleted or blocked for cause). */
  async revokeAllOfUser(userId: number): Promise<void> {
    await this.deps.lookup.invalidate(await this.deps.tokens.revokeAllOfUser(userId));
  }

  private async issue(fields: Omit<PersonalAccessToken, 'id' | 'digest' | 'lastFour' | 'revoked' | 'createdAt' | 'lastUsedAt' | 'lastUsedIps'>): Promise<IssuedToken> {
    const plaintext = this.deps.codec.generate();
    const token = await this.deps.tokens.create({
      ...fields,
      digest: this.deps.codec.digest(plaintext),
      lastFour: plaintext.slice(-4),
      createdAt: this.deps.clock.now(),
    });
    return { token, plaintext };
  }

  /** Name, description, scopes, expiry and restrictions of a request, checked, and the projects it names. */
  private async checkInput(owner: Identity, input: CreateTokenInput) {
    const name = (input.name ?? '').trim();
    if (name.length === 0) throw new ValidationError('name', 'name is missing');
    if (name.length > 255) throw new ValidationError('name', 'name is too long (maximum is 255 characters)');
    const description = input.description?.trim() || null;
    if (description && description.length > 255) {
      throw new ValidationError('description', 'description is too long (maximum is 255 characters)');
    }
    const scopes = parseScopes(input.scopes);
    const expiresAt = this.checkExpiry(input.expiresAt ?? null);
    const { restrictions, projects } = await parseRestrictions(input.restrictions, owner, this.deps.projects);
    return { fields: { name, description, scopes, expiresAt, restrictions }, projects };
  }

  private checkExpiry(expiresAt: string | null): string | null {
    const max = this.deps.maxLifetimeDays;
    if (expiresAt === null) {
      if (max !== null) throw new ValidationError('expires_at', 'expires_at is missing');
      return null;
    }
    if (!isIsoDate(expiresAt)) throw new ValidationError('expires_at', 'expires_at is invalid');
    const today = this.today();
    if (expiresAt <= today) throw new ValidationError('expires_at', 'Expiration date must be in the future');
    if (max !== null && expiresAt > addDays(today, max)) {
      throw new ValidationError('expires_at', `Expiration date must be before ${addDays(today, max + 1)}`);
    }
    return expiresAt;
  }

  private async revokeFamilyOnReuse(record: TokenAuthRecord): Promise<void> {
    const revoked = await this.deps.tokens.revokeFamily(record.tokenId);
    if (revoked.length === 0) return;
    await this.deps.lookup.invalidate(revoked);
    await this.audit.familyRevoked(record, revoked.length);
  }
}
