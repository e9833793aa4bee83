/**
 * The Git-over-SSH listener. TCP connections are accepted here — refused
 * when the address is banned or already holds its share of connections —
 * and only then handed to ssh2, so limits and timers apply from the first
 * byte, before any cryptography is spent on the client.
 */
import { randomUUID } from 'node:crypto';
import net, { type AddressInfo, type Socket } from 'node:net';
import type { Logger } from 'pino';
import ipaddr from 'ipaddr.js';
import ssh2, { type Algorithms, type Connection } from 'ssh2';
import { BannedError } from '../lib/errors.js';
import { CommandAdmission } from './command-admission.js';
import { ConnectionTimers, serveConnection, type SshConnectionDeps, type SshConnectionLimits } from './ssh-connection.js';
import { logFailure } from '../lib/log-failure.js';

export interface SshServerOptions {
  /** PEM/OpenSSH private host keys (see loadOrCreateHostKeys). */
  hostKeys: string[];
  limits: SshConnectionLimits & {
    /** Concurrent connections one address may hold. */
    maxSessionsPerIp: number;
  };
}

/** A listening SSH server. */
export interface RunningSshServer {
  address: AddressInfo;
  /** Stops accepting connections; open ones continue. */
  stopListening(): Promise<void>;
  /** Disconnects every open connection (their git processes are killed with their channels). */
  disconnectAll(): void;
  /**
   * Resolves once every open connection has brought a command past
   * admission (or closed), or after `timeoutMs`: call it after
   * stopListening and before the drain refuses new operations.
   */
  settle(timeoutMs: number): Promise<void>;
  /**
   * Resolves once every connection has closed, or after `timeoutMs`: after
   * the drain, clients whose commands ended take the last bytes and leave
   * by themselves, instead of being cut while ssh2 still sends them.
   */
  emptied(timeoutMs: number): Promise<void>;
  /** Connections the server currently counts against `ip`'s limit (a client may exit before its socket closes here). */
  connectionsFrom(ip: string): number;
}

interface Live {
  socket: Socket;
  ip: string;
  /** `sshConnectionId`: in the logs, and the request id of the connection's audit events. */
  id: string;
  /** The server's logger bound to this connection's `sshConnectionId`. */
  logger: Logger;
  timers: ConnectionTimers;
  admission: CommandAdmission;
  client: Connection | null;
}

/**
 * Starts the SSH server on `host:port` (0: a free port).
 *
 * @example const ssh = await startSshServer(deps, { hostKeys, limits }, 2222, '0.0.0.0');
 */
export async function startSshServer(
  deps: SshConnectionDeps,
  options: SshServerOptions,
  port: number,
  host: string,
): Promise<RunningSshServer> {
  const { logger } = deps;
  const live = new Map<string, Live>();
  const perIp = new Map<string, number>();
  const ssh = new ssh2.Server({ hostKeys: options.hostKeys, ident: 'gitgate', algorithms: ALGORITHMS });

  ssh.on('connection', (client: Connection, info: { ip: string; port: number }) => {
    const conn = live.get(keyOf(info.ip, info.port));
    if (!conn) {
      client.end();
      return;
    }
    conn.client = client;
    client.on('error', (err: Error) => conn.logger.debug({ err, ip: conn.ip }, 'ssh connection error'));
    serveConnection(client, { ip: conn.ip, id: conn.id }, conn.timers, conn.admission, { ...deps, logger: conn.logger }, (reason) => disconnect(conn, reason));
  });

  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    const ip = clientIp(socket.remoteAddress);
    const held = perIp.get(ip) ?? 0;
    if (held >= options.limits.maxSessionsPerIp) {
      logger.warn({ ip, held }, 'ssh connection refused: too many connections from this address');
      socket.destroy();
      return;
    }
    perIp.set(ip, held + 1);
    const key = keyOf(socket.remoteAddress ?? '', socket.remotePort ?? 0);
    const id = randomUUID();
    const conn: Live = {
      socket,
      ip,
      id,
      logger: logger.child({ sshConnectionId: id }),
      client: null,
      timers: new ConnectionTimers(options.limits, (r) => disconnect(conn, r)),
      admission: new CommandAdmission(),
    };
    live.set(key, conn);
    socket.once('close', () => {
      conn.timers.clear();
      live.delete(key);
      const left = (perIp.get(ip) ?? 1) - 1;
      if (left > 0) perIp.set(ip, left);
      else perIp.delete(ip);
    });
    deps.auth.checkBan(ip).then(
      () => {
        if (!socket.destroyed) ssh.injectSocket(socket);
      },
      (err: unknown) => {
        if (err instanceof BannedError) conn.logger.warn({ ip }, 'ssh connection refused: address banned');
        else logFailure(conn.logger, err, { ip }, 'ssh ban check failed');
        socket.destroy();
      },
    );
  });
  server.on('error', (err) => logger.error({ err }, 'ssh listener error'));

  function disconnect(conn: Live, reason: string): void {
    conn.logger.info({ ip: conn.ip, reason }, 'ssh connection closed by the server');
    conn.client?.end();
    conn.socket.destroy();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    address: server.address() as AddressInfo,
    stopListening: () => new Promise<void>((resolve) => server.close(() => resolve())),
    disconnectAll: () => {
      for (const conn of [...live.values()]) disconnect(conn, 'shutting down');
    },
    connectionsFrom: (ip) => perIp.get(clientIp(ip)) ?? 0,
    settle: (timeoutMs) => until(() => [...live.values()].every((conn) => conn.admission.settled), timeoutMs),
    emptied: (timeoutMs) => until(() => live.size === 0, timeoutMs),
  };
}

/** How often `settle` and `emptied` look at the open connections. */
const SETTLE_POLL_MS = 25;

/** Resolves once `done()` holds, or after `timeoutMs`. */
async function until(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
}

/**
 * ssh2's defaults minus SHA-1 (the `ssh-rsa` host key signature and
 * hmac-sha1, as OpenSSH 8.8 dropped them) and minus compression: packs are
 * compressed already, so zlib would only cost CPU.
 */
const ALGORITHMS = {
  serverHostKey: ['ssh-ed25519', 'rsa-sha2-512', 'rsa-sha2-256'],
  hmac: ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com', 'hmac-sha2-256', 'hmac-sha2-512'],
  compress: ['none'],
} satisfies Algorithms;

function keyOf(ip: string, port: number): string {
  return `${ip}|${port}`;
}

/** IPv4-mapped IPv6 as plain IPv4, so bans and allow-lists match the HTTP side. */
function clientIp(address: string | undefined): string {
  if (!address || !ipaddr.isValid(address)) return address ?? '';
  return ipaddr.process(address).toString();
}
