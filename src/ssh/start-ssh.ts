/**
 * Starts the Git-over-SSH surface from the configuration: host keys from
 * the data directory, git run like the HTTP edge runs it, operations
 * registered where shutdown drains them.
 */
import os from 'node:os';
import type { Logger } from 'pino';
import type { GitAuthorizationService } from '../auth/git-authorization.service.js';
import type { SshAuthService } from '../auth/ssh-auth.service.js';
import type { SshConfig } from '../config/config.js';
import type { GitLauncher } from '../git/git-child.js';
import type { PushChecks } from '../git/push-checks.js';
import type { GitCaches } from '../git/git-caches.js';
import { DEFAULT_GIT_PATH } from '../git/git-env.js';
import type { GitOperations } from '../git/git-operations.js';
import type { GitOutcomeMetrics } from '../git/operation-outcomes.js';
import type { RepositoryPushes } from '../git/repository-pushes.js';
import { loadOrCreateHostKeys, type HostKey } from './host-keys.js';
import { startSshServer, type RunningSshServer } from './ssh-server.js';

export interface GitSshDeps {
  auth: SshAuthService;
  access: GitAuthorizationService;
  logger: Logger;
  operations: GitOperations;
  /** Where each git command is counted and timed by outcome (shared with the HTTP edge). */
  outcomes: GitOutcomeMetrics;
  dataDir: string;
  gitBin: string;
  /** Starts git without forking the gateway (a GitSpawner); absent: spawned directly. */
  launcher?: GitLauncher;
  /** Secret push protection for pushes over SSH; absent: not scanned. */
  pushChecks?: PushChecks;
  /** Where pushes are registered while they run (shared with the HTTP edge and housekeeping). */
  pushes?: RepositoryPushes;
  /** The upload-pack caches shared with the HTTP edge; absent: git serves every command. */
  caches?: GitCaches;
  config: SshConfig;
}

/** The running SSH surface and the host keys it presents. */
export interface GitSsh extends RunningSshServer {
  hostKeys: HostKey[];
}

/** Loads (or creates) the host keys and starts listening on `config.host:config.port`. */
export async function startGitSsh(deps: GitSshDeps): Promise<GitSsh> {
  const hostKeys = loadOrCreateHostKeys(deps.dataDir);
  const { config } = deps;
  const server = await startSshServer(
    {
      auth: deps.auth,
      access: deps.access,
      logger: deps.logger,
      outcomes: deps.outcomes,
      caches: deps.caches,
      limits: config,
      git: {
        operations: deps.operations,
        ...(deps.pushes ? { pushes: deps.pushes } : {}),
        options: {
          gitBin: deps.gitBin,
          envPath: DEFAULT_GIT_PATH,
          homeDir: os.tmpdir(),
          stderrLimitBytes: 8192,
          killGraceMs: 5000,
          launcher: deps.launcher,
          ...(deps.pushChecks ? { pushChecks: deps.pushChecks } : {}),
        },
      },
    },
    { hostKeys: hostKeys.map((k) => k.privateKey), limits: config },
    config.port,
    config.host,
  );
  deps.logger.info(
    { address: server.address, hostKeys: hostKeys.map((k) => k.fingerprint) },
    'gitgate listening for git over SSH',
  );
  return { ...server, hostKeys };
}
