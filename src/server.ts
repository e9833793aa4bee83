/**
 * `gitgate serve`: first start, listen, print how to use it, and shut down
 * gracefully on SIGTERM/SIGINT (stop accepting, let git operations finish
 * within the grace period, then close everything).
 */
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { GitOperations } from './git/git-operations.js';
import { GitSpawner } from './git/spawner/git-spawner.js';
import { DEFAULT_GIT_PATH } from './git/git-env.js';
import { RefReader } from './git/ref-reader.js';
import { registerOperationMetrics } from './git/operation-metrics.js';
import type { System } from './system.js';
import { PACKAGE_ROOT } from './lib/package-root.js';
import { firstStart } from './setup/first-start.js';
import { startGitSsh, type GitSsh } from './ssh/start-ssh.js';
import { ProjectUrls } from './projects/project-urls.js';

/** A listening server and the means to stop it. */
export interface RunningServer {
  server: http.Server;
  url: string;
  operations: GitOperations;
  /** Starts the git processes of both surfaces from its helper process. */
  spawner: GitSpawner;
  /** Git over SSH, when GITGATE_SSH_PORT is set. */
  ssh: GitSsh | null;
  /** Graceful stop; resolves when connections and the system are closed. */
  stop(): Promise<void>;
}

/** Creates the HTTP server for `system` and starts listening. */
export async function listen(system: System, port = system.config.port, host = system.config.host): Promise<RunningServer> {
  const { config, logger } = system;
  const operations = new GitOperations(config.gitLimits);
  registerOperationMetrics(system.metrics.registry, operations);
  const spawner = new GitSpawner({ logger });
  await spawner.start();
  const ssh = config.ssh
    ? await startGitSsh({
        auth: system.sshAuth,
        access: system.gitAccess,
        logger,
        operations,
        dataDir: config.dataDir,
        gitBin: config.gitBin,
        launcher: spawner,
        config: config.ssh,
      }).catch(async (err: unknown) => {
        await spawner.stop();
        throw err;
      })
    : null;
  // SSH listens first: clone URLs name its port (a free one when configured as 0).
  const urls = new ProjectUrls(config.externalUrl, config.ssh && ssh ? { user: config.ssh.user, port: ssh.address.port } : null);
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
      projects: system.projects,
      sshKeys: system.sshKeys,
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
      guarded: system.guarded,
      externalUrl: config.externalUrl,
      projects: system.projects,
      urls,
    },
    registry: { tokens: system.registry.tokens },
    git: {
      authorizer: system.gitAccess,
      operations,
      options: {
        gitBin: config.gitBin,
        timeoutMs: config.gitTimeoutMs,
        idleTimeoutMs: config.gitIdleTimeoutMs,
        externalUrl: config.externalUrl,
        launcher: spawner,
        fetchCache: config.fetchCache,
      },
    },
  });
  // Node checks the headers timeout this often (its default, 30 s, would let a stalled header live that much longer).
  const server = http.createServer({ connectionsCheckingInterval: Math.min(1000, config.http.headersTimeoutMs) }, app);
  server.keepAliveTimeout = 65_000;
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
    throw err;
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const sshClosed = ssh?.stopListening();
      server.closeIdleConnections();
      await operations.drain(config.shutdownGraceMs);
      await spawner.stop();
      server.closeAllConnections();
      ssh?.disconnectAll();
      await Promise.all([closed, sshClosed]);
      await system.close();
    })());
  return { server, url, operations, spawner, ssh, stop };
}

/** Runs the server until SIGTERM or SIGINT. */
export async function serve(system: System): Promise<void> {
  const { config, logger } = system;
  const first = await firstStart({
    users: system.users,
    projects: system.projects,
    repos: system.repos,
    logger,
    dataDir: config.dataDir,
    rootPassword: config.rootPassword,
    seedDemo: config.seedDemo,
    gitBin: config.gitBin,
    demoFixture: path.join(PACKAGE_ROOT, 'repos-fixture', 'demo.fi'),
  });
  // The registry reads its rootcertbundle at start: have it on disk before anyone configures one.
  const signingKey = await system.registry.keys.ensure();
  logger.info(
    {
      realm: `${config.externalUrl}/jwt/auth`,
      service: config.registry.service,
      issuer: config.registry.issuer,
      rootcertbundle: config.registry.bundleFile,
      kid: signingKey.keyId,
    },
    'registry token service ready',
  );
  const running = await listen(system);
  logger.info({ url: running.url, externalUrl: config.externalUrl }, 'gitgate listening');
  const lines = [
    `gitgate is serving ${config.reposDir} at ${config.externalUrl}`,
    first.passwordFile
      ? `  root password: written once to ${first.passwordFile}`
      : `  sign in as ${first.root.username} with the configured root password`,
    `  create a token: ./bin/gitgate token create --user root --name laptop --scopes read_repository,write_repository`,
    first.demo ? `  then clone:     git clone ${config.externalUrl}/${first.demo}.git  (user: root, password: the token)` : '',
    first.demo && running.ssh
      ? `  or over SSH:    git clone ssh://root@${new URL(config.externalUrl).hostname}:${running.ssh.address.port}/${first.demo}.git`
      : '',
  ].filter(Boolean);
  process.stderr.write(`${lines.join('\n')}\n`);

  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      logger.info({ signal, activeGitOperations: running.operations.active }, 'shutting down');
      running.stop().then(resolve, (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}
