/**
 * The composition root: the only module that knows the concrete stores,
 * cache and logger. `compose` builds a running system from a Config;
 * run as a program, it dispatches to `serve` or a CLI command.
 */
import { accessTokensUrl } from './lib/access-tokens-page.js';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { AuditLog } from './audit/audit-log.js';
import { AuditWebhook } from './audit/audit-webhook.js';
import { AuthenticatorChain } from './auth/authenticator-chain.js';
import { BasicPasswordAuthenticator } from './auth/basic-password.authenticator.js';
import { BasicTokenAuthenticator } from './auth/basic-token.authenticator.js';
import { GitAuthorizationService } from './auth/git-authorization.service.js';
import { GuardedAuthentication } from './auth/guarded-authentication.js';
import { RegistryAuthorizationService } from './auth/registry-authorization.service.js';
import { SshAuthService } from './auth/ssh-auth.service.js';
import { connectRefUpdates } from './cache/ref-update-bus.js';
import { RedisSessionStore } from './cache/redis-session.store.js';
import { createTokenCache, type TokenCache } from './cache/token-cache.js';
import { runCli } from './cli/program.js';
import type { Config } from './config/config.js';
import type { System } from './system.js';
import { createProcessLogger, type ProcessLogger } from './http/process-logger.js';
import { SshKeyService } from './ssh-keys/ssh-key.service.js';
import { systemClock, type Clock } from './lib/clock.js';
import { createMetrics, type Metrics } from './lib/metrics.js';
import { deriveKey, loadOrCreateSecret } from './lib/secrets.js';
import { ProjectService } from './projects/project.service.js';
import { RegistryTokenService } from './registry-tokens/registry-token.service.js';
import { SigningKeyStore } from './registry-tokens/signing-key.store.js';
import { createSessionServices } from './sessions/session-services.js';
import { securePrivateData, SQLITE_FILE, type PrivateDataReport } from './setup/private-data.js';
import type { DatabaseConfig } from './storage/database.js';
import { openStores, type Stores } from './storage/stores.js';
import { databaseFailure, dataDirectoryFailure } from './startup-failures.js';
import { DEFAULT_GIT_PATH } from './git/git-env.js';
import { RefUpdates } from './git/ref-updates.js';
import { GitCheck } from './git/git-version.js';
import { runReadinessChecks } from './lib/readiness.js';
import { FsRepositoryStore } from './storage/repos/fs-repository.store.js';
import { StoreTokenLookup } from './tokens/store-token-lookup.js';
import { TokenLeakGuard } from './tokens/token-leak-guard.js';
import { TokenCodec } from './tokens/token-codec.js';
import { TokenService } from './tokens/token.service.js';
import { TwoFactorService } from './users/two-factor.service.js';
import { AccountLockout } from './users/account-lockout.js';
import { UserService } from './users/user.service.js';
import { AccountTokenCaches } from './tokens/account-token-caches.js';
import { TokenInformation } from './tokens/token-information.js';
import type { Mailer } from './notifications/mailer.js';
import { TokenNotifications } from './notifications/token-notifications.js';
import { HousekeepingRunner } from './housekeeping/housekeeping-runner.js';
import { HousekeepingService } from './housekeeping/housekeeping.service.js';
import { RepositoryMaintenance } from './git/repository-maintenance.js';
import { RepositoryPushes } from './git/repository-pushes.js';
import { InstallationFingerprints } from './setup/installation-fingerprints.js';
import { installationFacts } from './installation-facts.js';

/** How long one readiness check may take before it counts as failed. */
const READINESS_TIMEOUT_MS = 2000;

/** How `compose` builds the system; every field is optional. */
export interface ComposeOptions {
  clock?: Clock;
  logger?: Logger;
  metrics?: Metrics;
  /**
   * Whether a missing data directory, database or server secret is created
   * (`serve`, and tests) or refused with a StartupError (every CLI command:
   * it would start a second, empty installation). Default true.
   */
  createData?: boolean;
}

/**
 * Builds the system for `config`: opens and migrates the database. Fails
 * with a StartupError naming the setting to fix, having closed whatever it
 * had opened.
 */
export async function compose(config: Config, options: ComposeOptions = {}): Promise<System> {
  const logger = options.logger ?? createProcessLogger({ level: config.logLevel, format: config.logFormat }).logger;
  const clock = options.clock ?? systemClock;
  const createData = options.createData ?? true;
  const sqlitePath = path.join(config.dataDir, SQLITE_FILE);
  const database: DatabaseConfig = config.databaseUrl ? { kind: 'postgres', url: config.databaseUrl } : { kind: 'sqlite', path: sqlitePath };
  const sqliteFile = database.kind === 'sqlite' ? database.path : null;
  let secret: string;
  try {
    reportPrivateData(logger, securePrivateData({ dataDir: config.dataDir, reposDir: config.reposDir, sqliteFile }, createData));
    secret = loadOrCreateSecret(config.dataDir, config.secret, createData);
  } catch (err) {
    throw dataDirectoryFailure(config, err);
  }
  const stores = await openStores(database, { mustExist: !createData }).catch((err: unknown) => {
    throw databaseFailure(config, sqlitePath, err);
  });
  const closeOnFailure = async (err: unknown): Promise<never> => {
    await stores.close().catch(() => undefined);
    throw err;
  };
  return assemble(config, { logger, clock, metrics: options.metrics ?? createMetrics(), stores, secret }).catch(closeOnFailure);
}

/** What the services are built from. */
interface Parts {
  logger: Logger;
  clock: Clock;
  metrics: Metrics;
  stores: Stores;
  secret: string;
}

/** Opens the cache over open stores, then builds the services; closes the cache if that fails. */
async function assemble(config: Config, { logger, clock, metrics, stores, secret }: Parts): Promise<System> {
  const repos = new FsRepositoryStore(config.reposDir, config.gitBin);
  const cache = createTokenCache({
    store: new StoreTokenLookup(stores.tokens, stores.users),
    generations: stores.revocationGeneration,
    redisUrl: config.redisUrl,
    redisPrefix: config.redisPrefix,
    externalChanges: stores.externalChanges,
    banPolicy: config.authBan,
    logger,
    metrics,
  });
  try {
    // A CLI command must not publish an invalidation before it is connected.
    await cache.connected(2000);
    const mailer = config.email ? await smtpMailer(config.email) : null;
    return services(config, { logger, clock, metrics, stores, secret, repos, cache, mailer });
  } catch (err) {
    await cache.close();
    throw err;
  }
}

/** The services over open stores and a connected cache. */
function services(
  config: Config,
  { logger, clock, metrics, stores, secret, repos, cache, mailer }: Parts & { repos: FsRepositoryStore; cache: TokenCache; mailer: Mailer | null },
): System {
  const lookup = cache.lookup;
  const hook = config.audit.webhook;
  const audit = new AuditLog({
    store: stores.audit,
    clock,
    logger,
    metrics,
    retentionDays: config.audit.retentionDays,
    sinks: hook ? [new AuditWebhook({ url: hook.url, secret: hook.secret, logger, metrics })] : [],
  });
  const users = new UserService({
    users: stores.users,
    caches: new AccountTokenCaches(stores.tokens, lookup),
    clock,
    // The shared SSH user's name would not reach an account over SSH.
    reservedUsernames: config.ssh ? [config.ssh.user] : [],
    audit,
  });
  const projects = new ProjectService({ projects: stores.projects, repos, users: stores.users, clock });
  // Without a mail server nothing is recorded or sent.
  const notifications = mailer
    ? new TokenNotifications({ store: stores.notifications, leases: stores.leases, mailer, clock, logger, externalUrl: config.externalUrl })
    : null;
  const codec = new TokenCodec(config.tokenPrefix, deriveKey(secret, 'personal-access-token digest'));
  const tokens = new TokenService({
    tokens: stores.tokens,
    users: stores.users,
    codec,
    lookup,
    projects,
    clock,
    maxLifetimeDays: config.maxTokenLifetimeDays,
    ...(notifications ? { notifier: notifications } : {}),
    audit,
  });
  const pushGuard = config.secretPushProtection ? new TokenLeakGuard({ codec, lookup, tokens, audit }) : null;
  const tokenInformation = new TokenInformation({ tokens: stores.tokens, users: stores.users, codec, service: tokens });
  const twoFactor = new TwoFactorService({
    users,
    clock,
    recoveryKey: deriveKey(secret, 'two-factor recovery codes'),
    otpKey: deriveKey(secret, 'two-factor otp secret'),
    issuer: 'gitgate',
    audit,
  });
  const lockout = new AccountLockout(stores.lockouts, clock, audit);
  const guarded = new GuardedAuthentication(cache.guard, audit);
  const gitPasswords = new AuthenticatorChain([
    new BasicTokenAuthenticator(tokens, config.tokenPrefix),
    new BasicPasswordAuthenticator(users, lockout),
  ]);
  const expiryWarnings = { days: config.tokenExpiryWarningDays, newTokenUrl: accessTokensUrl(config.externalUrl), clock };
  const gitAccess = new GitAuthorizationService({ authenticator: gitPasswords, guarded, projects, repos, expiryWarnings });
  const sshKeys = new SshKeyService({ keys: stores.sshKeys, users: stores.users, clock, audit });
  const sshAuth = new SshAuthService({ passwords: gitPasswords, keys: sshKeys, tokens, users, guarded, sharedUser: config.ssh?.user ?? null });
  // Sessions live in Redis when it is configured, so no page view writes to the database.
  const sessionStore = cache.redis ? new RedisSessionStore(cache.redis, config.redisPrefix) : stores.sessions;
  const web = createSessionServices({ sessionStore, lockout, users, twoFactor, clock, secret });
  const registryKeys = new SigningKeyStore(
    { keyFile: config.registry.keyFile, certFile: config.registry.certFile, bundleFile: config.registry.bundleFile },
    { clock, logger },
  );
  const registryTokens = new RegistryTokenService({
    authorizer: new RegistryAuthorizationService({ authenticator: gitPasswords, guarded, projects }),
    keys: registryKeys,
    clock,
    settings: { issuer: config.registry.issuer, service: config.registry.service, lifetimeSeconds: config.registry.tokenLifetimeSeconds },
  });
  const git = new GitCheck(config.gitBin, DEFAULT_GIT_PATH);
  const { pushes, housekeeping } = repositoryHousekeeping(config, { logger, clock, stores, projects });
  const redis = cache.redis;
  const refUpdates = new RefUpdates();
  if (redis && cache.subscriber) {
    const subscriber = cache.subscriber;
    connectRefUpdates({ subscriber, publisher: redis, prefix: config.redisPrefix, reposDir: config.reposDir, updates: refUpdates, logger, metrics });
  }
  let closed: Promise<void> | null = null;
  return {
    config,
    logger,
    clock,
    metrics,
    audit,
    guarded,
    users,
    twoFactor,
    tokens,
    tokenInformation,
    pushGuard,
    notifications,
    projects,
    repos,
    pushes,
    housekeeping,
    gitAccess,
    sshKeys,
    sshAuth,
    web,
    registry: { tokens: registryTokens, keys: registryKeys },
    refUpdates,
    installation: new InstallationFingerprints({ store: stores.installation, clock, facts: installationFacts(config, secret, registryKeys) }),
    checkReady: () =>
      runReadinessChecks(
        {
          db: () => stores.ping(),
          git: () => git.check(),
          ...(redis ? { redis: () => redis.ping().then(() => undefined) } : {}),
        },
        READINESS_TIMEOUT_MS,
      ),
    close: () =>
      (closed ??= (async () => {
        await tokens.flushUsage();
        await notifications?.stop();
        await housekeeping.stop();
        await audit.close();
        await cache.close();
        await stores.close();
      })()),
  };
}

/** Pushes of both git edges, counted per project by housekeeping, which runs git's maintenance after so many. */
function repositoryHousekeeping(
  config: Config,
  { logger, clock, stores, projects }: { logger: Logger; clock: Clock; stores: Stores; projects: ProjectService },
): { pushes: RepositoryPushes; housekeeping: HousekeepingService } {
  const pushes = new RepositoryPushes();
  const maintenance = new RepositoryMaintenance({ gitBin: config.gitBin, envPath: DEFAULT_GIT_PATH, homeDir: os.tmpdir(), timeoutMs: config.gitTimeoutMs });
  const { concurrency } = config.housekeeping;
  const runner = new HousekeepingRunner({ store: stores.housekeeping, leases: stores.leases, maintenance, pushes, clock, logger, concurrency });
  const housekeeping = new HousekeepingService({ runner, store: stores.housekeeping, projects, leases: stores.leases, clock, logger, settings: config.housekeeping });
  pushes.onEnded((push, succeeded) => {
    if (succeeded) void housekeeping.pushed(push);
  });
  return { pushes, housekeeping };
}

/** The SMTP mailer; nodemailer is loaded only by installations that send e-mail. */
async function smtpMailer(email: NonNullable<Config['email']>): Promise<Mailer> {
  const { SmtpMailer } = await import('./mail/smtp-mailer.js');
  return new SmtpMailer(email.smtpUrl, email.from);
}

/** Logs, once per change, the modes narrowed on an install made before they were private. */
function reportPrivateData(logger: Logger, report: PrivateDataReport): void {
  if (report.tightened.length > 0) {
    logger.info({ paths: report.tightened }, 'removed group and other permissions from private data');
  }
  for (const failure of report.failed) {
    logger.warn(failure, 'private data is readable by other users and its mode could not be changed');
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  let log: ProcessLogger | null = null;
  const composeLogged = (config: Config, options: { createData: boolean }): Promise<System> => {
    log ??= createProcessLogger({ level: config.logLevel, format: config.logFormat });
    return compose(config, { ...options, logger: log.logger });
  };
  runCli(process.argv.slice(2), composeLogged).then(
    (code) => {
      process.exitCode = code;
      if (code !== 0) exitSoon(code);
    },
    (err: unknown) => {
      // Log collectors read the JSON lines: the error that stops the process is one of them too.
      if (log?.format === 'json') log.logger.fatal({ err }, 'gitgate stopped by an error');
      process.stderr.write(`gitgate: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
      exitSoon(1);
    },
  );
}

/**
 * After a failure everything opened is closed and the process ends by
 * itself; should anything still hold it (a bug), it exits anyway, so a
 * supervisor sees the failure and restarts it.
 */
function exitSoon(code: number): void {
  setTimeout(() => {
    process.stderr.write('gitgate: still running 5 s after the failure (something was left open); exiting\n');
    process.exit(code);
  }, 5000).unref();
}
