/**
 * Sessions and sign-in (the services behind the web pages), built once by
 * the composition root.
 */
import type { Clock } from '../lib/clock.js';
import { deriveKey } from '../lib/secrets.js';
import type { TwoFactorService } from '../users/two-factor.service.js';
import type { UserService } from '../users/user.service.js';
import type { AccountLockout } from '../users/account-lockout.js';
import { SessionService, type SessionTimeouts } from './session.service.js';
import type { SessionStore } from './session.store.js';
import { SignInService } from './sign-in.service.js';

/** Sessions, sign-in, and the key the pages sign CSRF tokens with. */
export interface SessionServices {
  sessions: SessionService;
  signIn: SignInService;
  csrfSecret: string;
}

/** What the session services are built from. */
export interface SessionServicesDeps {
  sessionStore: SessionStore;
  /** The account lockout shared with git password authentication. */
  lockout: AccountLockout;
  users: UserService;
  twoFactor: TwoFactorService;
  clock: Clock;
  /** The server's root secret; purpose-bound keys are derived from it. */
  secret: string;
  timeouts?: Partial<SessionTimeouts>;
}

/** Builds the session services over the given stores. */
export function createSessionServices(deps: SessionServicesDeps): SessionServices {
  const sessions = new SessionService({
    store: deps.sessionStore,
    clock: deps.clock,
    sealKey: deriveKey(deps.secret, 'web session flash'),
    timeouts: deps.timeouts,
  });
  const { lockout } = deps;
  return {
    sessions,
    signIn: new SignInService({ users: deps.users, twoFactor: deps.twoFactor, sessions, lockout }),
    csrfSecret: deriveKey(deps.secret, 'web csrf tokens').toString('hex'),
  };
}
