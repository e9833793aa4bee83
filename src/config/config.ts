/**
 * The only reader of process.env. Parses and validates the environment (with
 * the env file and secret files it names, see environment-sources.ts) into
 * a typed, frozen Config; every invalid value is reported at once, in one
 * ConfigError with a line per variable.
 */
import path from 'node:path';
import { z } from 'zod';
import { isIpOrCidr } from '../lib/ip-allowlist.js';
import { PACKAGE_ROOT } from '../lib/package-root.js';
import { gatherEnvironment } from './environment-sources.js';
import { unpairedSettings } from './paired-settings.js';
import type { Config } from './config-shape.js';

export type { Config, HttpLimits, RegistryConfig, SshConfig } from './config-shape.js';

/**
 * Invalid configuration: `problems` has one entry per invalid variable
 * (`NAME reason`); `message` is what start-up prints (one line for one
 * problem, a line per problem for several).
 */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      problems.length === 1
        ? `invalid configuration: ${problems[0]}`
        : `invalid configuration (${problems.length} problems):\n${problems.map((p) => `  ${p}`).join('\n')}`,
    );
  }
}

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const boolish = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** `address` or `Name <address>`, on one line (a line break would start another header). */
const EMAIL_FROM = /^(?:[^<>\r\n]*<[^<>\s@]+@[^<>\s@]+>|[^<>\s@]+@[^<>\s@]+)$/;

const schema = z.object({
  PORT: port.default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  GITGATE_DATA_DIR: z.string().min(1).default('./data'),
  GITGATE_REPOS_DIR: z.string().min(1).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  GITGATE_REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 : _ . -').default('gitgate:'),
  GITGATE_AUTH_BAN_ENABLED: boolish.default(true),
  GITGATE_AUTH_BAN_MAX_RETRY: positiveInt.max(1000).default(10),
  GITGATE_AUTH_BAN_FIND_TIME_SECONDS: positiveInt.default(60),
  GITGATE_AUTH_BAN_TIME_SECONDS: positiveInt.default(3600),
  GITGATE_AUTH_BAN_ALLOWLIST: z
    .string()
    .default('127.0.0.1,::1')
    .refine((v) => splitList(v).every(isIpOrCidr), 'must be a comma-separated list of IP addresses or CIDRs'),
  GITGATE_ROOT_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  GITGATE_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  GITGATE_TOKEN_PREFIX: z
    .string()
    .regex(/^[a-z][a-z0-9]{1,15}-$/, 'must be lowercase letters/digits ending in "-", e.g. glpat-')
    .default('glpat-'),
  GITGATE_MAX_TOKEN_LIFETIME_DAYS: positiveInt.max(3650).optional(),
  GITGATE_TOKEN_EXPIRY_WARNING_DAYS: z.coerce.number().int().min(0).max(365).default(7),
  GITGATE_SECRET_PUSH_PROTECTION: boolish.default(true),
  GITGATE_EXTERNAL_URL: z.url({ protocol: /^https?$/ }).optional(),
  GITGATE_TRUSTED_PROXIES: z
    .string()
    .optional()
    .refine((v) => v === undefined || splitList(v).every(isIpOrCidr), 'must be a comma-separated list of IP addresses or CIDRs'),
  GITGATE_MONITORING_ALLOWLIST: z
    .string()
    .default('127.0.0.0/8,::1')
    .refine((v) => splitList(v).every(isIpOrCidr), 'must be a comma-separated list of IP addresses or CIDRs'),
  GITGATE_GIT_BIN: z.string().min(1).default('git'),
  GITGATE_GIT_TIMEOUT_SECONDS: positiveInt.default(3600),
  GITGATE_GIT_IDLE_TIMEOUT_SECONDS: positiveInt.default(300),
  GITGATE_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).default(30),
  // The defaults of GitOperations (DEFAULT_OPERATION_LIMITS says why these numbers).
  GITGATE_GIT_MAX_OPERATIONS: positiveInt.max(100_000).default(256),
  GITGATE_GIT_MAX_OPERATIONS_PER_ADDRESS: positiveInt.max(100_000).default(64),
  GITGATE_HTTP_HEADERS_TIMEOUT_SECONDS: positiveInt.max(3600).default(20),
  GITGATE_HTTP_BODY_TIMEOUT_SECONDS: positiveInt.max(3600).default(30),
  GITGATE_HTTP_MAX_CONNECTIONS: positiveInt.max(1_000_000).default(4096),
  GITGATE_SSH_PORT: port.optional(),
  GITGATE_SSH_HOST: z.string().min(1).optional(),
  GITGATE_SSH_USER: z
    .string()
    .regex(/^[a-z_][a-z0-9_.-]{0,31}$/, 'must be 1-32 of a-z 0-9 _ . - starting with a letter or _')
    // The administrator first start creates: the shared name would take SSH from it and refuse its creation.
    .refine((v) => v !== 'root', 'must not be root, the administrator account')
    .default('git'),
  GITGATE_SSH_MAX_SESSIONS_PER_IP: positiveInt.max(10_000).default(10),
  GITGATE_SSH_LOGIN_GRACE_SECONDS: positiveInt.default(60),
  GITGATE_SSH_IDLE_TIMEOUT_SECONDS: positiveInt.default(300),
  GITGATE_SSH_TIMEOUT_SECONDS: positiveInt.default(3600),
  GITGATE_REGISTRY_ISSUER: z.string().regex(/^\S{1,255}$/, 'must be 1-255 characters without spaces').default('gitgate-issuer'),
  GITGATE_REGISTRY_SERVICE: z.string().regex(/^\S{1,255}$/, 'must be 1-255 characters without spaces').default('container_registry'),
  GITGATE_REGISTRY_TOKEN_LIFETIME_SECONDS: positiveInt.min(60).max(86_400).default(300),
  GITGATE_REGISTRY_KEY_FILE: z.string().min(1).optional(),
  GITGATE_REGISTRY_CERT_FILE: z.string().min(1).optional(),
  GITGATE_REGISTRY_CERT_BUNDLE_FILE: z.string().min(1).optional(),
  GITGATE_FETCH_CACHE_MAX_BYTES: z.coerce.number().int().min(0).default(1024 * 1024 * 1024),
  GITGATE_FETCH_CACHE_MAX_AGE_SECONDS: positiveInt.default(300),
  GITGATE_FETCH_CACHE_DIR: z.string().min(1).optional(),
  GITGATE_SENDFILE: boolish.default(true),
  // GitLab's housekeeping periods (see housekeeping/housekeeping-policy.ts); 0 turns that kind off after pushes.
  GITGATE_HOUSEKEEPING_INCREMENTAL_EVERY: z.coerce.number().int().min(0).max(1_000_000).default(10),
  GITGATE_HOUSEKEEPING_FULL_EVERY: z.coerce.number().int().min(0).max(1_000_000).default(50),
  GITGATE_HOUSEKEEPING_CONCURRENCY: positiveInt.max(64).default(1),
  GITGATE_SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  GITGATE_EMAIL_FROM: z.string().regex(EMAIL_FROM, 'must be an address, or a name and <address>').optional(),
  GITGATE_AUDIT_RETENTION_DAYS: positiveInt.max(36_500).optional(),
  GITGATE_AUDIT_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  GITGATE_AUDIT_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  GITGATE_SEED_DEMO: boolish.default(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GITGATE_LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
});


/**
 * Reads the configuration from `env` (default: process.env). Relative paths
 * are taken relative to `baseDir` — gitgate's own directory (where
 * package.json is) unless told otherwise — never to the working directory,
 * so `serve` and the CLI started anywhere find the same data.
 * @throws ConfigError listing every invalid variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, baseDir: string = PACKAGE_ROOT): Config {
  const present = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
  const gathered = gatherEnvironment(present, baseDir);
  const parsed = schema.safeParse(gathered.values);
  const unpaired = unpairedSettings(gathered.values);
  if (!parsed.success || gathered.problems.length > 0 || unpaired.length > 0) {
    const problems = new Map<string, string>([...gathered.problems, ...unpaired].map((p) => [p.split(' ', 1)[0]!, p]));
    for (const issue of parsed.error?.issues ?? []) {
      const name = String(issue.path[0] ?? 'configuration');
      if (!problems.has(name)) problems.set(name, `${name} ${issue.message}`);
    }
    throw new ConfigError([...problems.values()]);
  }
  const e = parsed.data;
  const resolve = (p: string): string => path.resolve(baseDir, p);
  const dataDir = resolve(e.GITGATE_DATA_DIR);
  const shownHost = e.HOST === '0.0.0.0' || e.HOST === '::' ? 'localhost' : e.HOST;
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    dataDir,
    reposDir: resolve(e.GITGATE_REPOS_DIR ?? path.join(dataDir, 'repos')),
    databaseUrl: e.DATABASE_URL ?? null,
    redisUrl: e.REDIS_URL ?? null,
    redisPrefix: e.GITGATE_REDIS_PREFIX,
    authBan: {
      enabled: e.GITGATE_AUTH_BAN_ENABLED,
      maxRetry: e.GITGATE_AUTH_BAN_MAX_RETRY,
      findTimeSeconds: e.GITGATE_AUTH_BAN_FIND_TIME_SECONDS,
      banTimeSeconds: e.GITGATE_AUTH_BAN_TIME_SECONDS,
      allowlist: splitList(e.GITGATE_AUTH_BAN_ALLOWLIST),
    },
    rootPassword: e.GITGATE_ROOT_PASSWORD ?? null,
    secret: e.GITGATE_SECRET ?? null,
    tokenPrefix: e.GITGATE_TOKEN_PREFIX,
    maxTokenLifetimeDays: e.GITGATE_MAX_TOKEN_LIFETIME_DAYS ?? null,
    tokenExpiryWarningDays: e.GITGATE_TOKEN_EXPIRY_WARNING_DAYS,
    secretPushProtection: e.GITGATE_SECRET_PUSH_PROTECTION,
    externalUrl: (e.GITGATE_EXTERNAL_URL ?? `http://${shownHost}:${e.PORT}`).replace(/\/+$/, ''),
    trustedProxies: splitList(e.GITGATE_TRUSTED_PROXIES ?? ''),
    monitoringAllowlist: splitList(e.GITGATE_MONITORING_ALLOWLIST),
    gitBin: e.GITGATE_GIT_BIN,
    gitTimeoutMs: e.GITGATE_GIT_TIMEOUT_SECONDS * 1000,
    gitIdleTimeoutMs: e.GITGATE_GIT_IDLE_TIMEOUT_SECONDS * 1000,
    shutdownGraceMs: e.GITGATE_SHUTDOWN_GRACE_SECONDS * 1000,
    gitLimits: { maxOperations: e.GITGATE_GIT_MAX_OPERATIONS, maxPerAddress: e.GITGATE_GIT_MAX_OPERATIONS_PER_ADDRESS },
    http: {
      headersTimeoutMs: e.GITGATE_HTTP_HEADERS_TIMEOUT_SECONDS * 1000,
      bodyTimeoutMs: e.GITGATE_HTTP_BODY_TIMEOUT_SECONDS * 1000,
      maxConnections: e.GITGATE_HTTP_MAX_CONNECTIONS,
    },
    fetchCache: {
      dir: resolve(e.GITGATE_FETCH_CACHE_DIR ?? path.join(dataDir, 'cache', 'fetch')),
      maxBytes: e.GITGATE_FETCH_CACHE_MAX_BYTES,
      maxAgeMs: e.GITGATE_FETCH_CACHE_MAX_AGE_SECONDS * 1000,
    },
    sendfile: e.GITGATE_SENDFILE,
    housekeeping: {
      incrementalEvery: e.GITGATE_HOUSEKEEPING_INCREMENTAL_EVERY,
      fullEvery: e.GITGATE_HOUSEKEEPING_FULL_EVERY,
      concurrency: e.GITGATE_HOUSEKEEPING_CONCURRENCY,
    },
    ssh:
      e.GITGATE_SSH_PORT === undefined
        ? null
        : {
            port: e.GITGATE_SSH_PORT,
            host: e.GITGATE_SSH_HOST ?? e.HOST,
            user: e.GITGATE_SSH_USER,
            maxSessionsPerIp: e.GITGATE_SSH_MAX_SESSIONS_PER_IP,
            loginGraceMs: e.GITGATE_SSH_LOGIN_GRACE_SECONDS * 1000,
            idleTimeoutMs: e.GITGATE_SSH_IDLE_TIMEOUT_SECONDS * 1000,
            timeoutMs: e.GITGATE_SSH_TIMEOUT_SECONDS * 1000,
          },
    registry: {
      issuer: e.GITGATE_REGISTRY_ISSUER,
      service: e.GITGATE_REGISTRY_SERVICE,
      tokenLifetimeSeconds: e.GITGATE_REGISTRY_TOKEN_LIFETIME_SECONDS,
      keyFile: resolve(e.GITGATE_REGISTRY_KEY_FILE ?? path.join(dataDir, 'registry', 'token-signing.key')),
      certFile: resolve(e.GITGATE_REGISTRY_CERT_FILE ?? path.join(dataDir, 'registry', 'token-signing.crt')),
      bundleFile: resolve(e.GITGATE_REGISTRY_CERT_BUNDLE_FILE ?? path.join(dataDir, 'registry', 'rootcertbundle.crt')),
    },
    email: e.GITGATE_SMTP_URL && e.GITGATE_EMAIL_FROM ? { smtpUrl: e.GITGATE_SMTP_URL, from: e.GITGATE_EMAIL_FROM } : null,
    audit: {
      retentionDays: e.GITGATE_AUDIT_RETENTION_DAYS ?? null,
      webhook: e.GITGATE_AUDIT_WEBHOOK_URL && e.GITGATE_AUDIT_WEBHOOK_SECRET ? { url: e.GITGATE_AUDIT_WEBHOOK_URL, secret: e.GITGATE_AUDIT_WEBHOOK_SECRET } : null,
    },
    seedDemo: e.GITGATE_SEED_DEMO,
    logLevel: e.LOG_LEVEL,
    logFormat: e.GITGATE_LOG_FORMAT,
  });
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
