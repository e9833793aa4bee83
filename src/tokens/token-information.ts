/**
 * GitLab's token information API for administrators (`POST` and `DELETE
 * /admin/token`): given a token's plaintext — found in a log, a paste, a
 * repository — say what it is and whose, or revoke it, without knowing its
 * id. The plaintext is only digested, never kept, logged or echoed.
 */
import type { Identity } from '../identity/principal.js';
import { ForbiddenError, NotFoundError, UnprocessableError } from '../lib/errors.js';
import type { User } from '../users/user.js';
import type { UserStore } from '../users/user.store.js';
import type { PersonalAccessToken } from './token.js';
import type { TokenCodec } from './token-codec.js';
import type { TokenService } from './token.service.js';
import type { TokenStore } from './token.store.js';

/** A token identified by its plaintext, with its owner. */
export interface IdentifiedToken {
  token: PersonalAccessToken;
  owner: User;
}

export interface TokenInformationDeps {
  tokens: TokenStore;
  users: UserStore;
  codec: TokenCodec;
  /** Revocations go through it, so they reach every cache and notify the owner as any revoke does. */
  service: TokenService;
}

/** GitLab's answer for a string that is no token it knows how to look up. */
export const NOT_A_TOKEN = 'Token type not supported.';

export class TokenInformation {
  constructor(private readonly deps: TokenInformationDeps) {}

  /**
   * The token whose plaintext is `plaintext`, revoked or not. Administrators
   * only (ForbiddenError); UnprocessableError when the string lacks this
   * instance's prefix, shape or checksum (no lookup is made); NotFoundError
   * when no stored token has its digest.
   */
  async identify(actor: Identity, plaintext: string): Promise<IdentifiedToken> {
    if (!actor.isAdmin) throw new ForbiddenError('403 Forbidden');
    if (!this.deps.codec.isWellFormed(plaintext)) throw new UnprocessableError(NOT_A_TOKEN);
    const token = await this.deps.tokens.findByDigest(this.deps.codec.digest(plaintext));
    const owner = token ? await this.deps.users.findById(token.userId) : null;
    if (!token || !owner) throw new NotFoundError('404 Token');
    return { token, owner };
  }

  /**
   * Revokes the token whose plaintext is `plaintext` (see identify for the
   * refusals): on every instance by the next request, its owner notified.
   * A token already revoked is a ValidationError, as for TokenService.revoke.
   */
  async revoke(actor: Identity, plaintext: string): Promise<IdentifiedToken> {
    const found = await this.identify(actor, plaintext);
    await this.deps.service.revoke(actor, found.token.id);
    return found;
  }
}
