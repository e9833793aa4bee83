/**
 * Authentication for Git over SSH, under two kinds of SSH username:
 * - the shared user (GITGATE_SSH_USER, `git`), as GitLab Shell's: public keys
 *   only, the key naming the account (a key is registered to one account).
 *   Passwords and tokens are refused unchecked: GitLab's `git` user takes
 *   none, and a token would not need the shared name anyway. The shared name
 *   always means the shared user, even when an account has that username;
 * - an account's own username: a public key registered to that account, or a
 *   personal access token or (without 2FA) the account password typed as the
 *   password — checked by the same authenticator chain as Basic auth over
 *   HTTP; the principal must be that account.
 * Every credential checked counts toward the IP ban.
 */
import type { SshKeyMatch, SshKeyService } from '../ssh-keys/ssh-key.service.js';
import { UnauthorizedError, refusing, unlessNotFound } from '../lib/errors.js';
import type { TokenService } from '../tokens/token.service.js';
import type { UserService } from '../users/user.service.js';
import type { Authenticator, PasswordCredentials } from '../identity/authenticator.js';
import { principalSignIn, type GuardedAuthentication } from './guarded-authentication.js';
import { tokenPrincipal, type Identity, type Principal } from '../identity/principal.js';

export interface SshAuthDeps {
  /** Tokens, then account passwords: the chain git over HTTP uses. */
  passwords: Authenticator<PasswordCredentials>;
  keys: SshKeyService;
  tokens: TokenService;
  users: UserService;
  guarded: GuardedAuthentication;
  /** The shared SSH username (GITGATE_SSH_USER); null: every SSH username names an account. */
  sharedUser: string | null;
}

/** Checks a signature over the session data with the stored public key (the SSH edge's crypto). */
export type SignatureCheck = (publicKeyText: string) => boolean;

/**
 * A principal that SSH can hold: never anonymous. A connection signed in
 * with the account password remembers the account's session generation, so
 * a password change (or 2FA turned on) ends it like a web session.
 */
export type SshPrincipal = Exclude<Principal, { kind: 'anonymous' }> & { sessionGeneration?: number };

export class SshAuthService {
  constructor(private readonly deps: SshAuthDeps) {}

  /** Throws BannedError while `ip` is banned. */
  checkBan(ip: string): Promise<void> {
    return this.deps.guarded.refuseBanned(ip);
  }

  /** True when `username` is the shared SSH user (case-insensitive, as account names are). */
  isSharedUser(username: string): boolean {
    const shared = this.deps.sharedUser;
    return shared !== null && username.toLowerCase() === shared.toLowerCase();
  }

  /**
   * A token or account password typed for `username`. For the shared user
   * it is refused before anything is checked or counted.
   */
  async password(username: string, secret: string, ip: string): Promise<SshPrincipal> {
    if (this.isSharedUser(username)) throw new UnauthorizedError('invalid');
    return this.counted(ip, async () => {
      const principal = await this.deps.passwords.authenticate({ username, password: secret }, { ip });
      if (!principal || principal.kind === 'anonymous' || !sameUser(principal.user, username)) {
        throw new UnauthorizedError('invalid');
      }
      if (principal.kind !== 'password') return principal;
      return { ...principal, sessionGeneration: (await this.deps.users.get(principal.user.id)).sessionGeneration };
    });
  }

  /**
   * True when `blob` is a key that may sign in now as `username` — registered
   * to that account, or to any active account for the shared user (the
   * client's query before it signs). Not counted as a failure when false:
   * clients offer every key they hold.
   */
  async acceptsKey(username: string, blob: Buffer, ip: string): Promise<boolean> {
    await this.deps.guarded.refuseBanned(ip);
    return (await this.findKey(username, blob)) !== null;
  }

  /** A key offered with a signature: `verify` checks it against the registered key. */
  async publicKey(username: string, blob: Buffer, ip: string, verify: SignatureCheck): Promise<SshPrincipal> {
    return this.counted(ip, async () => {
      const match = await this.findKey(username, blob);
      if (!match || !verify(match.key.key)) {
        const user = match ? { user: { id: match.user.id, username: match.user.username } } : {};
        throw refusing(new UnauthorizedError('invalid'), { kind: 'ssh_key', ...user });
      }
      await this.deps.keys.recordUse(match.key);
      return { kind: 'key', user: identity(match.user), keyId: match.key.id };
    });
  }

  /**
   * Re-validates the credential behind `principal` before each command, so a
   * token revoked, a key removed or an account blocked since the connection
   * was opened stops working there too. Returns it with a fresh identity.
   */
  async recheck(principal: SshPrincipal): Promise<SshPrincipal> {
    if (principal.kind === 'key') {
      const { user } = await this.deps.keys.recheck(principal.keyId, principal.user.id);
      return { ...principal, user: identity(user) };
    }
    const user = await unlessNotFound(this.deps.users.get(principal.user.id));
    if (!user) throw new UnauthorizedError('invalid');
    if (user.state !== 'active') throw new UnauthorizedError('blocked', 'Your account has been blocked.');
    if (principal.kind === 'token') {
      const token = await unlessNotFound(this.deps.tokens.get(principal.user, principal.tokenId));
      if (!token) throw new UnauthorizedError('revoked');
      if (!this.deps.tokens.isActive(token)) throw new UnauthorizedError(token.revoked ? 'revoked' : 'expired');
      // Rebuilt from the stored token, so its restrictions (the project reach) stay on the identity.
      return tokenPrincipal({ tokenId: token.id, name: token.name, expiresAt: token.expiresAt, scopes: token.scopes, restrictions: token.restrictions }, identity(user)) as SshPrincipal;
    } else if (user.twoFactorEnabled) {
      throw new UnauthorizedError('two_factor_required');
    } else if (user.sessionGeneration !== principal.sessionGeneration) {
      throw new UnauthorizedError('invalid');
    }
    return { ...principal, user: identity(user) };
  }

  private async findKey(username: string, blob: Buffer): Promise<SshKeyMatch | null> {
    try {
      return await this.deps.keys.find(this.isSharedUser(username) ? null : username, blob);
    } catch (err) {
      if (err instanceof UnauthorizedError) return null;
      throw err;
    }
  }

  /** Runs one credential check under the IP ban: refused while banned, failures counted, success resets; audited. */
  private counted(ip: string, check: () => Promise<SshPrincipal>): Promise<SshPrincipal> {
    return this.deps.guarded.run('ssh', ip, check, { signedIn: principalSignIn });
  }
}

function sameUser(user: Identity, username: string): boolean {
  return user.username.toLowerCase() === username.toLowerCase();
}

function identity(user: Identity): Identity {
  return { id: user.id, username: user.username, isAdmin: user.isAdmin };
}
