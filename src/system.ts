/**
 * The running system: every service the edges and the CLI use, built once
 * per process by the composition root (`compose` in main.ts).
 */
import type { Logger } from 'pino';
import type { AuditLog } from './audit/audit-log.js';
import type { GuardedAuthentication } from './auth/guarded-authentication.js';
import type { GitAuthorizationService } from './auth/git-authorization.service.js';
import type { SshAuthService } from './auth/ssh-auth.service.js';
import type { Config } from './config/config.js';
import type { RefUpdates } from './git/ref-updates.js';
import type { InstallationFingerprints } from './setup/installation-fingerprints.js';
import type { SshKeyService } from './ssh-keys/ssh-key.service.js';
import type { Clock } from './lib/clock.js';
import type { Metrics } from './lib/metrics.js';
import type { ReadinessCheck } from './lib/readiness.js';
import type { ProjectService } from './projects/project.service.js';
import type { RepositoryStore } from './projects/repository.store.js';
import type { RegistryTokenService } from './registry-tokens/registry-token.service.js';
import type { SigningKeyStore } from './registry-tokens/signing-key.store.js';
import type { SessionServices } from './sessions/session-services.js';
import type { TokenService } from './tokens/token.service.js';
import type { TokenInformation } from './tokens/token-information.js';
import type { TokenNotifications } from './notifications/token-notifications.js';
import type { PushSecretGuard } from './identity/push-protection.js';
import type { RepositoryPushes } from './git/repository-pushes.js';
import type { HousekeepingService } from './housekeeping/housekeeping.service.js';
import type { TwoFactorService } from './users/two-factor.service.js';
import type { UserService } from './users/user.service.js';

/** Everything the edges and the CLI use, built once per process. */
export interface System {
  config: Config;
  logger: Logger;
  clock: Clock;
  metrics: Metrics;
  /** The audit trail: security events recorded by the services, read by the API and the web page. */
  audit: AuditLog;
  /** Credential checks under the per-IP ban; shared by every surface. */
  guarded: GuardedAuthentication;
  users: UserService;
  twoFactor: TwoFactorService;
  tokens: TokenService;
  /** What a token's plaintext is, and revoking by it (administrators). */
  tokenInformation: TokenInformation;
  /** Secret push protection's judge of token-shaped strings; null when GITGATE_SECRET_PUSH_PROTECTION is off. */
  pushGuard: PushSecretGuard | null;
  /** E-mail to token owners; null without SMTP settings. `serve` starts its sweep. */
  notifications: TokenNotifications | null;
  projects: ProjectService;
  repos: RepositoryStore;
  /** Pushes running per repository, from both git edges; housekeeping hears of each that ends. */
  pushes: RepositoryPushes;
  /** Repository maintenance after pushes, and on request (API, CLI). */
  housekeeping: HousekeepingService;
  gitAccess: GitAuthorizationService;
  /** SSH public keys of accounts (API, CLI, SSH sign-in). */
  sshKeys: SshKeyService;
  /** Authentication for Git over SSH. */
  sshAuth: SshAuthService;
  /** Sessions and sign-in for the web pages. */
  web: SessionServices;
  /** The container registry token service and its signing key. */
  registry: { tokens: RegistryTokenService; keys: SigningKeyStore };
  /** Pushes made here and announced by other instances: the git answer caches follow them (src/git/ref-updates.ts). */
  refUpdates: RefUpdates;
  /** What every instance must share (secret, registry key, SSH host keys): checked by `serve`, adopted by the CLI. */
  installation: InstallationFingerprints;
  /** Checks what the server needs — the database, git, and Redis when configured — and reports each. */
  checkReady(): Promise<ReadinessCheck[]>;
  /** Releases connections; idempotent. */
  close(): Promise<void>;
}
