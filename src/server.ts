/**
 * The listeners of a running system: HTTP (and SSH when configured), and
 * their graceful stop (stop accepting, let git operations finish within the
 * grace period, then close everything). `gitgate serve` is in serve.ts.
 */
import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { GitOperations } from './git/git-operations.js';
import { GitSpawner } from './git/spawner/git-spawner.js';
import { PushChecks } from './git/push-checks.js';
import { createGitCaches, type GitCaches } from './git/git-caches.js';
import { announcingPushes } from './git/push-announcing-launcher.js';
import { DEFAULT_GIT_PATH } from './git/git-env.js';
import { RefReader } from './git/ref-reader.js';
import { registerOperationMetrics } from './git/operation-metrics.js';
import { GitOutcomeMetrics } from './git/operation-outcomes.js';
import type { System } from './system.js';
import type { GitSsh } from './ssh/start-ssh.js';
import { listenFailure } from './startup-failures.js';
import { KeepAliveDrain } from './http/keep-alive-drain.js';
import { loadFileToSocket } from './http/file-to-socket.js';
import { ProjectUrls } from './projects/project-urls.js';

/** Longest a stop waits for open SSH connections to bring their command in, and to leave after the drain (see RunningSshServer). */
const SSH_SETTLE_MAX_MS = 5_000;

/** A listening server and the means to stop it. */
export interface RunningServer {
  server: http.Server;
  url: string;
  operations: GitOperations;
  /** Starts the git processes of both surfaces from its helper process. */
  spawner: GitSpawner;
  /** Git over SSH, when GITGATE_SSH_PORT is set. */
  ssh: GitSsh | null;
  /** The upload-pack caches both git edges answer from. */
  caches: GitCaches;
  /** Graceful stop; resolves when connections and the system are closed. */
  stop(): Promise<void>;
}

/**
 * Creates the HTTP server for `system` and starts listening.
 * @throws StartupError naming PORT/HOST (or the SSH settings) when a listener cannot open; what was started is stopped.
 */
export async function listen(system: System, port = system.config.port, host = system.config.host): Promise<RunningServer> {
  const { config, logger } = system;
  const operations = new GitOperations(config.gitLimits);
  registerOperationMetrics(system.metrics.registry, operations);
  const outcomes = new GitOutcomeMetrics(system.metrics.registry);
  const spawner = new GitSpawner({ logger });
  await spawner.start();
  // Both git edges start git through it: every push is announced to the answer caches of every instance.
  const launcher = announcingPushes(spawner, system.refUpdates);
  const fileToSocket = config.sendfile ? loadFileToSocket() : null;
  if (config.sendfile && !fileToSocket) {
    logger.warn('the optional native module @gitgate/sendfile is not built: kept clone answers are copied through the gateway (see README, Performance)');
  }
  const pushChecks = system.pushGuard ? await PushChecks.start(system.pushGuard, config.tokenPrefix, logger) : null;
  const caches = createGitCaches(
    {
      gitBin: config.gitBin,
      envPath: DEFAULT_GIT_PATH,
      homeDir: os.tmpdir(),
      stderrLimitBytes: 8192,
      launcher,
      timeoutMs: config.gitTimeoutMs,
      fetchCache: config.fetchCache,
      refUpdates: system.refUpdates,
    },
    logger,
    system.metrics.registry,
  );
  const sshConfig = config.ssh;
  // SSH listens first: clone URLs name its port (a free one when configured as 0). ssh2 is loaded only when SSH is configured.
  const ssh = sshConfig
    ? await (await import('./ssh/start-ssh.js')).startGitSsh({
        auth: system.sshAuth,
        access: system.gitAccess,
        logger,
        operations,
        outcomes,
        dataDir: config.dataDir,
        gitBin: config.gitBin,
        launcher,
        ...(pushChecks ? { pushChecks } : {}),
        pushes: system.pushes,
        caches,
        config: sshConfig,
      }).catch(async (err: unknown) => {
        await spawner.stop();
        await pushChecks?.stop();
        throw listenFailure('GITGATE_SSH_PORT', 'GITGATE_SSH_HOST', sshConfig.host, sshConfig.port, err);
      })
    : null;
  const urls = new ProjectUrls(config.externalUrl, sshConfig && ssh ? { user: sshConfig.user, port: ssh.address.port } : null);
  const app = createApp({
    logger,
    trustedProxies: config.trustedProxies,
    checkReady: system.checkReady,
    bodyTimeoutMs: config.http.bodyTimeoutMs,
    metrics: system.metrics.registry,
    monitoringAllowlist: config.monitoringAllowlist,
    api: {
      users: system.users,
      tokens: system.tokens,
      tokenInformation: system.tokenInformation,
      projects: system.projects,
      housekeeping: system.housekeeping,
      sshKeys: system.sshKeys,
      audit: system.audit,
      guarded: system.guarded,
      externalUrl: config.externalUrl,
      urls,
      refs: new RefReader({
        gitBin: config.gitBin,
        envPath: DEFAULT_GIT_PATH,
        homeDir: os.tmpdir(),
        stderrLimitBytes: 8192,
        launcher: spawner,
        timeoutMs: 30_000,
      }),
    },
    web: {
      ...system.web,
      users: system.users,
      twoFactor: system.twoFactor,
      tokens: system.tokens,
      audit: system.audit,
      guarded: system.guarded,
      externalUrl: config.externalUrl,
      projects: system.projects,
      urls,
    },
    registry: { tokens: system.registry.tokens },
    git: {
      authorizer: system.gitAccess,
      operations,
      outcomes,
      pushes: system.pushes,
      caches,
      options: {
        gitBin: config.gitBin,
        timeoutMs: config.gitTimeoutMs,
        idleTimeoutMs: config.gitIdleTimeoutMs,
        externalUrl: config.externalUrl,
        launcher,
        ...(pushChecks ? { pushChecks } : {}),
        ...(fileToSocket ? { fileToSocket } : {}),
      },
    },
  });
  // Node checks the headers timeout this often (its default, 30 s, would let a stalled header live that much longer).
  const server = http.createServer({ connectionsCheckingInterval: Math.min(1000, config.http.headersTimeoutMs) }, app);
  server.keepAliveTimeout = 65_000;
  const keepAlive = new KeepAliveDrain(server);
  // From a new connection's start (a kept-alive one: its next request's first byte) until the headers are
  // complete. Node (≥ 18) does not apply it to a kept-alive connection between requests: keepAliveTimeout does.
  server.headersTimeout = config.http.headersTimeoutMs;
  // It would bound every body, pushes too: git has its own total and idle timeouts, the rest a body deadline (see createApp).
  server.requestTimeout = 0;
  server.maxConnections = config.http.maxConnections;
  let drops = 0;
  server.on('drop', (data?: { remoteAddress?: string }) => {
    // One line per dropped connection would let a flood fill the log.
    if (drops++ % 1000 === 0) logger.warn({ ip: data?.remoteAddress, dropped: drops, maxConnections: server.maxConnections }, 'connection refused: too many connections');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  }).catch(async (err: unknown) => {
    if (ssh) {
      ssh.disconnectAll();
      await ssh.stopListening();
    }
    await spawner.stop();
    await pushChecks?.stop();
    throw listenFailure('PORT', 'HOST', host, port, err);
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      keepAlive.start();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const sshClosed = ssh?.stopListening();
      server.closeIdleConnections();
      // An SSH connection accepted before the stop may still be authenticating: let its command in first.
      await ssh?.settle(Math.min(config.shutdownGraceMs, SSH_SETTLE_MAX_MS));
      await operations.drain(config.shutdownGraceMs);
      await ssh?.emptied(Math.min(config.shutdownGraceMs, SSH_SETTLE_MAX_MS));
      await spawner.stop();
      await pushChecks?.stop();
      server.closeAllConnections();
      ssh?.disconnectAll();
      await Promise.all([closed, sshClosed]);
      await system.close();
    })());
  return { server, url, operations, spawner, ssh, caches, stop };
}
