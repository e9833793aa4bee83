/**
 * Verifies what extract-token found (Directus' authenticate): the token
 * through the token service, bracketed by the failed-authentication guard,
 * then GitLab's sudo rules. The outcome is the request's ApiAuth; handlers
 * never see the token itself.
 */
import type { RequestHandler } from 'express';
import type { GuardedAuthentication } from '../../auth/guarded-authentication.js';
import { ANONYMOUS, tokenPrincipal, type Principal } from '../../identity/principal.js';
import { ForbiddenError, InsufficientScopeError, NotFoundError, UnauthorizedError } from '../../lib/errors.js';
import type { TokenAuthRecord } from '../../tokens/token-lookup.js';
import type { User } from '../../users/user.js';
import { requestState } from '../../http/request-state.js';
import { apiLocals, type ApiAuth } from './api-state.js';
import { extractCredentials } from './extract-token.js';
import { MAX_ID } from './params.js';
import { clientIp } from '../../http/client-ip.js';

/** What authentication needs from the token service. */
export interface TokenVerifier {
  authenticate(plaintext: string, ip: string | null, options?: { detectReuse?: boolean }): Promise<TokenAuthRecord>;
}

/** What sudo needs from the user service: lookups that throw NotFoundError. */
export interface UserDirectory {
  get(id: number): Promise<User>;
  getByUsername(username: string): Promise<User>;
}

/** What the authentication middleware is built from. */
export interface AuthenticateDeps {
  tokens: TokenVerifier;
  users: UserDirectory;
  /** Token checks under the per-IP ban (the `api` rule); bans throw BannedError. */
  guarded?: GuardedAuthentication;
}

/** The rotation endpoints, where reusing a rotated token revokes its family (GitLab). */
const ROTATE_PATH = /^\/personal_access_tokens\/[^/]+\/rotate\/?$/;

/** Authenticates the API request; see the module comment. */
export function authenticate(deps: AuthenticateDeps): RequestHandler {
  const verify = (plaintext: string, ip: string, detectReuse: boolean): Promise<TokenAuthRecord> => {
    const check = () => deps.tokens.authenticate(plaintext, ip, { detectReuse });
    return deps.guarded ? deps.guarded.run('api', ip, check) : check();
  };

  /** GitLab's UserFinder: digits are an id, anything else a username (any case). */
  const findUser = async (identifier: string): Promise<User> => {
    if (!/^\d+$/.test(identifier)) return deps.users.getByUsername(identifier);
    if (identifier.length > 10 || Number(identifier) > MAX_ID) throw new NotFoundError('404 User');
    return deps.users.get(Number(identifier));
  };

  /**
   * GitLab's `sudo!`: only an administrator's token with the `sudo` scope
   * may act as another user, named by id (digits) or username.
   */
  const sudo = async (principal: Principal, record: TokenAuthRecord | null, identifier: string): Promise<Principal> => {
    if (principal.kind === 'anonymous') throw new UnauthorizedError('missing');
    if (!principal.user.isAdmin) throw new ForbiddenError('Must be admin to use sudo');
    if (principal.kind !== 'token' || !record) {
      throw new ForbiddenError('Must be authenticated using an OAuth or Personal Access Token to use sudo');
    }
    if (!record.scopes.includes('sudo')) throw new InsufficientScopeError(['sudo']);
    const target = await findUser(identifier).catch((err: unknown) => {
      if (err instanceof NotFoundError) throw new NotFoundError(`404 User with ID or username '${identifier.slice(0, 255)}'`);
      throw err;
    });
    return tokenPrincipal(record, { id: target.id, username: target.username, isAdmin: target.isAdmin });
  };

  return async (req, res, next) => {
    const { token, sudo: sudoAs } = apiLocals(res).apiCredentials ?? extractCredentials(req);
    const ip = clientIp(req);
    const record = token === null ? null : await verify(token, ip, req.method === 'POST' && ROTATE_PATH.test(req.path));
    let principal: Principal = record
      ? tokenPrincipal(record, { id: record.userId, username: record.username, isAdmin: record.isAdmin })
      : ANONYMOUS;
    requestState(res).principal = principal;
    if (sudoAs !== null) principal = await sudo(principal, record, sudoAs);
    const auth: ApiAuth = { principal, token: record, sudo: sudoAs !== null };
    apiLocals(res).apiAuth = auth;
    requestState(res).principal = principal;
    next();
  };
}
