/**
 * `gitgate serve`: check git, build the system (creating the installation
 * on first start), create root, listen, print how to use it, and run until
 * SIGTERM/SIGINT. A failure on the way closes everything opened so far and
 * rejects with one line naming the setting to fix, so the process exits and
 * a supervisor sees it.
 *
 * The signals are held from the first step on (see StopSignals): one that
 * comes while gitgate starts lets the start finish (a first start is not
 * left half done) and then, nothing listening yet, closes everything; one
 * that comes later drains; a repeated one is logged and does not cut the
 * drain short.
 */
import path from 'node:path';
import type { Config } from './config/config.js';
import { DEFAULT_GIT_PATH } from './git/git-env.js';
import { probeGit } from './git/git-version.js';
import { PACKAGE_ROOT } from './lib/package-root.js';
import { listen, type RunningServer } from './server.js';
import { firstStart, type FirstStartResult } from './setup/first-start.js';
import { dataLocation, gitFailure } from './startup-failures.js';
import { StopSignals } from './stop-signals.js';
import type { System } from './system.js';

/** Builds the system; `createData` lets it create a new installation. */
export type Compose = (config: Config, options: { createData: boolean }) => Promise<System>;

/**
 * Runs the server until SIGTERM or SIGINT, then drains it; resolves once
 * everything is closed, rejects (everything closed) when it cannot start.
 */
export async function serve(config: Config, compose: Compose): Promise<void> {
  const signals = new StopSignals();
  try {
    await serveUntilStopped(config, compose, signals);
  } finally {
    signals.close();
  }
}

async function serveUntilStopped(config: Config, compose: Compose, signals: StopSignals): Promise<void> {
  await probeGit(config.gitBin, DEFAULT_GIT_PATH).catch((err: unknown) => {
    throw gitFailure(config.gitBin, err);
  });
  const system = await compose(config, { createData: true });
  const { logger } = system;
  signals.onRepeat((again) => logger.warn({ signal: again }, 'already stopping: a repeated signal changes nothing (SIGKILL ends gitgate at once)'));
  let first: FirstStartResult;
  let running: RunningServer | null = null;
  try {
    first = await firstStart({
      users: system.users,
      projects: system.projects,
      repos: system.repos,
      logger,
      dataDir: config.dataDir,
      rootPassword: config.rootPassword,
      seedDemo: config.seedDemo,
      gitBin: config.gitBin,
      gitPath: DEFAULT_GIT_PATH,
      demoFixture: path.join(PACKAGE_ROOT, 'repos-fixture', 'demo.fi'),
    });
    // The registry reads its rootcertbundle at start: have it on disk before anyone configures one.
    const signingKey = await system.registry.keys.ensure();
    // Before listening: an instance whose secret or keys differ from the others' must not join them.
    await system.installation.check();
    logger.info(
      {
        realm: `${config.externalUrl}/jwt/auth`,
        registryService: config.registry.service,
        issuer: config.registry.issuer,
        rootcertbundle: config.registry.bundleFile,
        kid: signingKey.keyId,
      },
      'registry token service ready',
    );
    if (!signals.received) running = await listen(system);
    if (running) system.notifications?.start();
  } catch (err) {
    await system.close().catch((closeErr: unknown) => logger.warn({ err: closeErr }, 'closing after a failed start failed'));
    throw err;
  }
  if (!running) {
    logger.info({ signal: signals.received }, 'stopped while starting, before listening');
    await system.close();
    return;
  }
  logger.info({ url: running.url, externalUrl: config.externalUrl }, 'gitgate listening');
  process.stderr.write(`${banner(config, first, running).join('\n')}\n`);

  const signal = await signals.first;
  logger.info({ signal, activeGitOperations: running.operations.active }, 'shutting down');
  await running.stop().catch((err: unknown) => logger.error({ err }, 'shutdown failed'));
}

/** What the start-up banner says: where things are and how to begin. */
function banner(config: Config, first: FirstStartResult, running: RunningServer): string[] {
  const demo = first.demo;
  return [
    `gitgate is serving ${config.reposDir} at ${config.externalUrl}`,
    `  data:           ${dataLocation(config)}`,
    `  root password: ${rootPasswordLine(config, first)}`,
    `  create a token: ./bin/gitgate token create --user root --name laptop --scopes read_repository,write_repository`,
    demo ? `  then clone:     git clone ${config.externalUrl}/${demo}.git  (user: root, password: the token)` : '',
    demo && running.ssh
      ? `  or over SSH:    git clone ssh://root@${new URL(config.externalUrl).hostname}:${running.ssh.address.port}/${demo}.git`
      : '',
  ].filter(Boolean);
}

function rootPasswordLine(config: Config, first: FirstStartResult): string {
  const reset = `forgotten? ./bin/gitgate user set-password ${first.root.username}`;
  switch (first.password.kind) {
    case 'written':
      return `written once to ${first.password.file}`;
    case 'configured':
      return 'the value of GITGATE_ROOT_PASSWORD';
    case 'in-file':
      return `generated at first start, in ${first.password.file}`;
    case 'elsewhere':
      return config.rootPassword
        ? `GITGATE_ROOT_PASSWORD as it was when root was created, unless changed since (${reset})`
        : `generated when root was created; ${first.password.file} is gone (deleted, or root was created by another instance) (${reset})`;
  }
}
