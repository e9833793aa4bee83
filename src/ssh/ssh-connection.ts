/**
 * One SSH connection after the handshake: authentication, then sessions
 * (each one git command), with the login grace time, the idle and total
 * timeouts, and a bound on concurrent sessions.
 */
import { CommandAdmission } from './command-admission.js';
import type { Logger } from 'pino';
import type { Connection, ServerChannel } from 'ssh2';
import type { SshAuthService, SshPrincipal } from '../auth/ssh-auth.service.js';
import { withRequestContext } from '../lib/request-context.js';
import { authenticationHandler } from './ssh-authentication.js';
import { runSshCommand, type SshCommandDeps } from './ssh-command.js';
import { serveSession } from './ssh-session.js';
import { logFailure } from '../lib/log-failure.js';

/** Timeouts of one connection, in milliseconds. */
export interface SshConnectionLimits {
  loginGraceMs: number;
  idleTimeoutMs: number;
  timeoutMs: number;
}

export interface SshConnectionDeps extends SshCommandDeps {
  auth: SshAuthService;
  logger: Logger;
  limits: SshConnectionLimits;
}

/** OpenSSH's MaxSessions default: sessions one connection may run at once. */
const MAX_SESSIONS = 10;

/** Timers of a connection, armed when the TCP connection is accepted. */
export class ConnectionTimers {
  readonly #timers: NodeJS.Timeout[];
  readonly #login: NodeJS.Timeout;
  readonly #idle: NodeJS.Timeout;

  constructor(limits: SshConnectionLimits, expire: (reason: string) => void) {
    this.#login = setTimeout(() => expire('login grace time over'), limits.loginGraceMs);
    this.#idle = setTimeout(() => expire('idle timeout'), limits.idleTimeoutMs);
    this.#timers = [this.#login, this.#idle, setTimeout(() => expire('connection time limit'), limits.timeoutMs)];
  }

  authenticated(): void {
    clearTimeout(this.#login);
  }

  /** Data moved: the idle timeout starts over. */
  activity(): void {
    this.#idle.refresh();
  }

  clear(): void {
    this.#timers.forEach(clearTimeout);
  }
}

/**
 * Serves `client` (already past the SSH handshake) from `peer.ip`. `drop`
 * ends the connection; `timers` are the connection's, armed at accept;
 * `admission` learns when each command got past admission.
 * Authentication runs in the connection's request context (its id and
 * address), which the audit events of sign-ins carry.
 */
export function serveConnection(
  client: Connection,
  peer: { ip: string; id: string },
  timers: ConnectionTimers,
  admission: CommandAdmission,
  deps: SshConnectionDeps,
  drop: (reason: string) => void,
): void {
  const { ip } = peer;
  let principal: SshPrincipal | null = null;
  let sessions = 0;
  const authenticate = authenticationHandler(deps.auth, ip, deps.logger, {
    succeeded: (p) => {
      principal = p;
    },
    drop,
  });
  client.on('authentication', (ctx) => withRequestContext({ requestId: peer.id, ip }, () => authenticate(ctx)));
  client.once('ready', () => {
    const who = principal;
    if (!who) return drop('authenticated without a principal');
    timers.authenticated();
    timers.activity();
    client.on('session', (accept, reject) => {
      if (sessions >= MAX_SESSIONS) return reject();
      sessions++;
      timers.activity();
      serveSession(accept(), {
        username: who.user.username,
        onEnd: () => {
          sessions--;
        },
        exec: (channel: ServerChannel, command: string, gitProtocol: string | null) => {
          const admitted = admission.arrived();
          return runSshCommand(channel, command, { principal: who, ip, gitProtocol, onActivity: () => timers.activity(), onAdmitted: admitted }, deps)
            .catch((err: unknown) => {
              logFailure(deps.logger, err, { ip }, 'ssh command failed');
              channel.destroy();
            })
            .finally(admitted);
        },
      });
    });
  });
}
