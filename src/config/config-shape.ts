/**
 * The shape of gitgate's configuration, as `loadConfig` (config.ts) returns
 * it: every setting read, validated and resolved (paths absolute, seconds
 * as milliseconds), grouped by the part of gitgate that uses it.
 */
export type Config = Readonly<{
  port: number;
  host: string;
  dataDir: string;
  reposDir: string;
  databaseUrl: string | null;
  redisUrl: string | null;
  redisPrefix: string;
  authBan: {
    enabled: boolean;
    maxRetry: number;
    findTimeSeconds: number;
    banTimeSeconds: number;
    allowlist: string[];
  };
  rootPassword: string | null;
  secret: string | null;
  tokenPrefix: string;
  maxTokenLifetimeDays: number | null;
  /** Git shows a warning when the token used expires within this many days; 0: never. */
  tokenExpiryWarningDays: number;
  /** Pushes are scanned for live tokens of this instance (secret push protection). */
  secretPushProtection: boolean;
  externalUrl: string;
  trustedProxies: string[];
  /** Client addresses/CIDRs that may read `/-/health`, `/-/liveness`, `/-/readiness` and `/-/metrics`. */
  monitoringAllowlist: string[];
  gitBin: string;
  gitTimeoutMs: number;
  gitIdleTimeoutMs: number;
  shutdownGraceMs: number;
  /** Git operations (HTTP and SSH together) allowed at once, in all and from one client address. */
  gitLimits: Readonly<{ maxOperations: number; maxPerAddress: number }>;
  /** Bounds of the HTTP listener. */
  http: HttpLimits;
  /** Clone answers kept on disk and shared (FetchResponseCache); maxBytes 0 turns it off. */
  fetchCache: Readonly<{ dir: string; maxBytes: number; maxAgeMs: number }>;
  /** Whole kept clone answers go out with sendfile(2) when the native module is built; false: always copied through the gateway. */
  sendfile: boolean;
  /** Repository housekeeping after pushes: every so many pushes, and runs at once across instances. */
  housekeeping: Readonly<{ incrementalEvery: number; fullEvery: number; concurrency: number }>;
  /** Git over SSH; null when GITGATE_SSH_PORT is unset. */
  ssh: SshConfig | null;
  /** The container registry token service (`GET /jwt/auth`). */
  registry: RegistryConfig;
  /** E-mail to token owners: SMTP URL (may hold credentials: never logged) and sender; null: nothing is sent. */
  email: Readonly<{ smtpUrl: string; from: string }> | null;
  /** Audit events: kept this many days (null: forever), and the webhook each is posted to, signed with `secret`. */
  audit: Readonly<{ retentionDays: number | null; webhook: Readonly<{ url: string; secret: string }> | null }>;
  seedDemo: boolean;
  logLevel: string;
  /** JSON lines, pino-pretty's lines, or `auto`: pretty when stdout is a terminal. */
  logFormat: 'auto' | 'json' | 'pretty';
}>;

/** What the registry's `auth.token` section must agree with, and where the signing key lives. */
export type RegistryConfig = Readonly<{
  /** `iss` of every token: the registry's `issuer`. */
  issuer: string;
  /** `aud` of every token and the only `service` accepted: the registry's `service`. */
  service: string;
  tokenLifetimeSeconds: number;
  /** Private key (PEM); generated with the certificate when both are missing. */
  keyFile: string;
  /** Certificate chain of the key (PEM, leaf first). */
  certFile: string;
  /** Root certificate bundle written for the registry's `rootcertbundle`. */
  bundleFile: string;
}>;

/** Timeouts and the connection cap of the HTTP listener. */
export type HttpLimits = Readonly<{
  /** Time from a new connection's opening (a kept-alive one: its next request's first byte) until the headers are complete. */
  headersTimeoutMs: number;
  /** Time after the headers within which the body of a request that is not git's must have arrived. */
  bodyTimeoutMs: number;
  /** Connections held at once; more are closed as they come. */
  maxConnections: number;
}>;

/** The SSH listener and its limits. */
export type SshConfig = Readonly<{
  /** 0 picks a free port. */
  port: number;
  host: string;
  /**
   * The shared SSH username (`git`, as GitLab's `git@host:group/project.git`):
   * key authentication only, the key naming the account.
   */
  user: string;
  /** Concurrent connections one address may hold. */
  maxSessionsPerIp: number;
  /** Time to authenticate after connecting. */
  loginGraceMs: number;
  /** Longest time a connection may pass without session data either way. */
  idleTimeoutMs: number;
  /** Longest time a connection may last. */
  timeoutMs: number;
}>;
