/**
 * The composition root: the only module that knows the concrete stores,
 * cache and logger. `compose` builds a running system from a Config;
 * run as a program, it dispatches to `serve` or a CLI command.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { AuthenticatorChain } from './auth/authenticator-chain.js';
import { BasicPasswordAuthenticator } from './auth/basic-password.authenticator.js';
import { BasicTokenAuthenticator } from './auth/basic-token.authenticator.js';
import { GitAuthorizationService } from './auth/git-authorization.service.js';
import { GuardedAuthentication } from './auth/guarded-authentication.js';
import { RegistryAuthorizationService } from './auth/registry-authorization.service.js';
import { SshAuthService } from './auth/ssh-auth.service.js';
import { RedisSessionStore } from './cache/redis-session.store.js';
import { createTokenCache } from './cache/token-cache.js';
import { runCli } from './cli/program.js';
import type { Config } from './config/config.js';
import type { System } from './system.js';
import { createLogger } from './http/logger.js';
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
import { openStores } from './storage/stores.js';
import { FsRepositoryStore } from './storage/repos/fs-repository.store.js';
import { StoreTokenLookup } from './tokens/store-token-lookup.js';
import { TokenCodec } from './tokens/token-codec.js';
import { TokenService } from './tokens/token.service.js';
import { TwoFactorService } from './users/two-factor.service.js';
import { AccountLockout } from './users/account-lockout.js';
import { UserService } from './users/user.service.js';
import { AccountTokenCaches } from './tokens/account-token-caches.js';

export interface ComposeOptions {
  clock?: Clock;
  logger?: Logger;
  metrics?: Metrics;
}

/** Builds the system for `config`: opens and migrates the database. */
export async function compose(config: Config, options: ComposeOptions = {}): Promise<System> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  const database: DatabaseConfig = config.databaseUrl
    ? { kind: 'postgres', url: config.databaseUrl }
    : { kind: 'sqlite', path: path.join(config.dataDir, SQLITE_FILE) };
  const sqliteFile = database.kind === 'sqlite' ? database.path : null;
  reportPrivateData(logger, securePrivateData({ dataDir: config.dataDir, reposDir: config.reposDir, sqliteFile }));
  const secret = loadOrCreateSecret(config.dataDir, config.secret);
  const stores = await openStores(database);
  const repos = new FsRepositoryStore(config.reposDir, config.gitBin);
  const metrics = options.metrics ?? createMetrics();
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
  // A CLI command must not publish an invalidation before it is connected.
  await cache.connected(2000);
  const lookup = cache.lookup;
  const users = new UserService({
    users: stores.users,
    caches: new AccountTokenCaches(stores.tokens, lookup),
    clock,
    // The shared SSH user's name would not reach an account over SSH.
    reservedUsernames: config.ssh ? [config.ssh.user] : [],
  });
  const tokens = new TokenService({
    tokens: stores.tokens,
    users: stores.users,
    codec: new TokenCodec(config.tokenPrefix, deriveKey(secret, 'personal-access-token digest')),
    lookup,
    clock,
    maxLifetimeDays: config.maxTokenLifetimeDays,
  });
  const twoFactor = new TwoFactorService({
    users,
    clock,
    recoveryKey: deriveKey(secret, 'two-factor recovery codes'),
    otpKey: deriveKey(secret, 'two-factor otp secret'),
    issuer: 'gitgate',
  });
  const projects = new ProjectService({ projects: stores.projects, repos, users: stores.users, clock });
  const lockout = new AccountLockout(stores.lockouts, clock);
  const guarded = new GuardedAuthentication(cache.guard);
  const gitPasswords = new AuthenticatorChain([
    new BasicTokenAuthenticator(tokens, config.tokenPrefix),
    new BasicPasswordAuthenticator(users, lockout),
  ]);
  const gitAccess = new GitAuthorizationService({ authenticator: gitPasswords, guarded, projects, repos });
  const sshKeys = new SshKeyService({ keys: stores.sshKeys, users: stores.users, clock });
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
  let closed: Promise<void> | null = null;
  return {
    config,
    logger,
    clock,
    metrics,
    guarded,
    users,
    twoFactor,
    tokens,
    projects,
    repos,
    gitAccess,
    sshKeys,
    sshAuth,
    web,
    registry: { tokens: registryTokens, keys: registryKeys },
    checkReady: () => stores.ping(),
    close: () =>
      (closed ??= (async () => {
        await tokens.flushUsage();
        await cache.close();
        await stores.close();
      })()),
  };
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
  runCli(process.argv.slice(2), compose).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`gitgate: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
