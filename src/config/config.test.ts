import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_HOUSEKEEPING } from '../housekeeping/housekeeping-policy.js';
import { DEFAULT_OPERATION_LIMITS } from '../git/git-operations.js';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has working defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 8080, host: '127.0.0.1', tokenPrefix: 'glpat-', databaseUrl: null, redisUrl: null });
    expect(c.reposDir).toBe(path.join(c.dataDir, 'repos'));
    expect(c.externalUrl).toBe('http://127.0.0.1:8080');
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT/],
    [{ PORT: '70000' }, /PORT/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL/],
    [{ REDIS_URL: 'http://x' }, /REDIS_URL/],
    [{ GITGATE_SECRET: 'short' }, /GITGATE_SECRET/],
    [{ GITGATE_TOKEN_PREFIX: 'GL_' }, /GITGATE_TOKEN_PREFIX/],
    [{ GITGATE_MAX_TOKEN_LIFETIME_DAYS: '0' }, /GITGATE_MAX_TOKEN_LIFETIME_DAYS/],
    [{ GITGATE_EXTERNAL_URL: 'not a url' }, /GITGATE_EXTERNAL_URL/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ GITGATE_LOG_FORMAT: 'xml' }, /GITGATE_LOG_FORMAT/],
    [{ GITGATE_SSH_PORT: '-1' }, /GITGATE_SSH_PORT/],
    [{ GITGATE_SSH_PORT: '22', GITGATE_SSH_MAX_SESSIONS_PER_IP: '0' }, /GITGATE_SSH_MAX_SESSIONS_PER_IP/],
    [{ GITGATE_SSH_PORT: '22', GITGATE_SSH_USER: 'Git User' }, /GITGATE_SSH_USER/],
    [{ GITGATE_SSH_PORT: '22', GITGATE_SSH_USER: 'root' }, /GITGATE_SSH_USER must not be root/],
    [{ GITGATE_GIT_MAX_OPERATIONS: '0' }, /GITGATE_GIT_MAX_OPERATIONS/],
    [{ GITGATE_GIT_MAX_OPERATIONS_PER_ADDRESS: 'many' }, /GITGATE_GIT_MAX_OPERATIONS_PER_ADDRESS/],
    [{ GITGATE_HTTP_HEADERS_TIMEOUT_SECONDS: '0' }, /GITGATE_HTTP_HEADERS_TIMEOUT_SECONDS/],
    [{ GITGATE_HTTP_BODY_TIMEOUT_SECONDS: '-5' }, /GITGATE_HTTP_BODY_TIMEOUT_SECONDS/],
    [{ GITGATE_HTTP_MAX_CONNECTIONS: '1.5' }, /GITGATE_HTTP_MAX_CONNECTIONS/],
    [{ GITGATE_MONITORING_ALLOWLIST: '10.0.0.0/8,monitoring.example' }, /GITGATE_MONITORING_ALLOWLIST/],
    [{ GITGATE_SMTP_URL: 'http://mail.example.test', GITGATE_EMAIL_FROM: 'gitgate@example.test' }, /^invalid configuration: GITGATE_SMTP_URL Invalid URL$/],
    [{ GITGATE_SMTP_URL: 'smtp://mail.example.test', GITGATE_EMAIL_FROM: 'gitgate' }, /GITGATE_EMAIL_FROM must be an address/],
    [{ GITGATE_SMTP_URL: 'smtp://mail.example.test', GITGATE_EMAIL_FROM: 'gitgate <a@b.test>\r\nBcc: x@y.test' }, /GITGATE_EMAIL_FROM/],
    [{ GITGATE_SMTP_URL: 'smtp://mail.example.test' }, /GITGATE_EMAIL_FROM must be set when GITGATE_SMTP_URL is/],
    [{ GITGATE_EMAIL_FROM: 'gitgate@example.test' }, /GITGATE_SMTP_URL must be set when GITGATE_EMAIL_FROM is \(nothing is sent without a mail server\)/],
    [{ GITGATE_AUDIT_RETENTION_DAYS: '0' }, /GITGATE_AUDIT_RETENTION_DAYS/],
    [{ GITGATE_AUDIT_WEBHOOK_URL: 'ftp://hooks.example', GITGATE_AUDIT_WEBHOOK_SECRET: 's'.repeat(16) }, /GITGATE_AUDIT_WEBHOOK_URL/],
    [{ GITGATE_AUDIT_WEBHOOK_URL: 'https://hooks.example/audit', GITGATE_AUDIT_WEBHOOK_SECRET: 'short' }, /GITGATE_AUDIT_WEBHOOK_SECRET/],
    [{ GITGATE_AUDIT_WEBHOOK_URL: 'https://hooks.example/audit' }, /GITGATE_AUDIT_WEBHOOK_SECRET must be set when GITGATE_AUDIT_WEBHOOK_URL is/],
  ])('rejects %o with one line naming the variable', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    try {
      loadConfig(env);
    } catch (err) {
      expect((err as Error).message).toMatch(name);
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('reports every invalid variable at once, one line each', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', GITGATE_SECRET: 'short', LOG_LEVEL: 'loud', HOST: '' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems.map((p) => p.split(' ')[0])).toEqual(['PORT', 'GITGATE_SECRET', 'LOG_LEVEL']);
    expect(message.split('\n')).toEqual(['invalid configuration (3 problems):', ...problems.map((p) => `  ${p}`)]);
  });

  it('takes relative paths relative to the base directory (gitgate\'s own), never the working directory', () => {
    const c = loadConfig({ GITGATE_DATA_DIR: 'state', GITGATE_REPOS_DIR: '../repos', GITGATE_REGISTRY_KEY_FILE: 'k.pem' }, '/srv/gitgate');
    expect(c.dataDir).toBe('/srv/gitgate/state');
    expect(c.reposDir).toBe('/srv/repos');
    expect(c.fetchCache.dir).toBe('/srv/gitgate/state/cache/fetch');
    expect(c.registry.keyFile).toBe('/srv/gitgate/k.pem');
    expect(c.registry.certFile).toBe('/srv/gitgate/state/registry/token-signing.crt');
    expect(loadConfig({ GITGATE_DATA_DIR: '/var/lib/gitgate' }, '/srv/gitgate').dataDir).toBe('/var/lib/gitgate');
    expect(loadConfig({}).dataDir).toBe(fileURLToPath(new URL('../../data', import.meta.url)));
  });

  it('serves SSH only when GITGATE_SSH_PORT is set, on HOST unless told otherwise', () => {
    expect(loadConfig({}).ssh).toBeNull();
    expect(loadConfig({ HOST: '0.0.0.0', GITGATE_SSH_PORT: '2222' }).ssh).toEqual({
      port: 2222,
      host: '0.0.0.0',
      user: 'git',
      maxSessionsPerIp: 10,
      loginGraceMs: 60_000,
      idleTimeoutMs: 300_000,
      timeoutMs: 3_600_000,
    });
    expect(loadConfig({ GITGATE_SSH_PORT: '2222', GITGATE_SSH_HOST: '::1', GITGATE_SSH_IDLE_TIMEOUT_SECONDS: '30', GITGATE_SSH_USER: 'gitlab' }).ssh).toMatchObject({
      host: '::1',
      user: 'gitlab',
      idleTimeoutMs: 30_000,
    });
  });

  it('bounds git operations and the HTTP listener by default, and takes other bounds', () => {
    const c = loadConfig({});
    expect(c.gitLimits).toEqual(DEFAULT_OPERATION_LIMITS);
    expect(c.http).toEqual({ headersTimeoutMs: 20_000, bodyTimeoutMs: 30_000, maxConnections: 4096 });
    const set = loadConfig({
      GITGATE_GIT_MAX_OPERATIONS: '10',
      GITGATE_GIT_MAX_OPERATIONS_PER_ADDRESS: '3',
      GITGATE_HTTP_HEADERS_TIMEOUT_SECONDS: '5',
      GITGATE_HTTP_BODY_TIMEOUT_SECONDS: '7',
      GITGATE_HTTP_MAX_CONNECTIONS: '100',
    });
    expect(set.gitLimits).toEqual({ maxOperations: 10, maxPerAddress: 3 });
    expect(set.http).toEqual({ headersTimeoutMs: 5000, bodyTimeoutMs: 7000, maxConnections: 100 });
  });

  it("runs housekeeping at GitLab's periods by default, one run at a time, and takes other periods (0: never after pushes)", () => {
    expect(loadConfig({}).housekeeping).toEqual(DEFAULT_HOUSEKEEPING);
    const set = loadConfig({ GITGATE_HOUSEKEEPING_INCREMENTAL_EVERY: '0', GITGATE_HOUSEKEEPING_FULL_EVERY: '200', GITGATE_HOUSEKEEPING_CONCURRENCY: '4' });
    expect(set.housekeeping).toEqual({ incrementalEvery: 0, fullEvery: 200, concurrency: 4 });
    expect(() => loadConfig({ GITGATE_HOUSEKEEPING_CONCURRENCY: '0' })).toThrow(/GITGATE_HOUSEKEEPING_CONCURRENCY/);
    expect(() => loadConfig({ GITGATE_HOUSEKEEPING_FULL_EVERY: '-1' })).toThrow(/GITGATE_HOUSEKEEPING_FULL_EVERY/);
  });

  it('lets only loopback use the monitoring endpoints unless told otherwise', () => {
    expect(loadConfig({}).monitoringAllowlist).toEqual(['127.0.0.0/8', '::1']);
    expect(loadConfig({ GITGATE_MONITORING_ALLOWLIST: ' 10.0.0.0/8 , 192.0.2.7,2001:db8::/32 ' }).monitoringAllowlist).toEqual([
      '10.0.0.0/8',
      '192.0.2.7',
      '2001:db8::/32',
    ]);
  });

  it('sends e-mail only with both SMTP settings, and never repeats the SMTP URL (with its password) in an error', () => {
    expect(loadConfig({}).email).toBeNull();
    const c = loadConfig({ GITGATE_SMTP_URL: 'smtps://gitgate:s3cret@mail.example.test:465', GITGATE_EMAIL_FROM: 'gitgate <gitgate@example.test>' });
    expect(c.email).toEqual({ smtpUrl: 'smtps://gitgate:s3cret@mail.example.test:465', from: 'gitgate <gitgate@example.test>' });
    for (const url of ['smtp://gitgate:s3cret@mail example.test', 'smtp://gitgate:s3cret@', 'http://gitgate:s3cret@mail.example.test']) {
      expect(() => loadConfig({ GITGATE_SMTP_URL: url, GITGATE_EMAIL_FROM: 'a@b.test' })).toThrow('invalid configuration: GITGATE_SMTP_URL Invalid URL');
    }
  });

  it('treats empty variables as unset and trims the external URL', () => {
    const c = loadConfig({ DATABASE_URL: '', GITGATE_EXTERNAL_URL: 'https://git.example.com/' });
    expect(c.databaseUrl).toBeNull();
    expect(c.externalUrl).toBe('https://git.example.com');
  });
});

describe('loadConfig: settings from files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitgate-config-'));
  const write = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, name), text);
    return name;
  };
  const SECRET = 's'.repeat(40);

  it('reads the secrets from NAME_FILE (relative to the base directory), dropping one final line ending', () => {
    const c = loadConfig(
      {
        GITGATE_SECRET_FILE: write('secret', `${SECRET}\n`),
        DATABASE_URL_FILE: path.join(dir, write('db', 'postgres://u:p@db/gitgate\r\n')),
        REDIS_URL_FILE: write('redis', 'redis://cache:6379'),
        GITGATE_ROOT_PASSWORD_FILE: write('root', 'root password \n\n'),
        GITGATE_SMTP_URL_FILE: write('smtp', 'smtp://gitgate:pw@mail.example.test:587\n'),
        GITGATE_EMAIL_FROM: 'gitgate@example.test',
      },
      dir,
    );
    expect(c).toMatchObject({ secret: SECRET, databaseUrl: 'postgres://u:p@db/gitgate', redisUrl: 'redis://cache:6379', rootPassword: 'root password \n' });
    expect(c.email).toEqual({ smtpUrl: 'smtp://gitgate:pw@mail.example.test:587', from: 'gitgate@example.test' });
  });

  it('reads the audit settings, the webhook secret from its file too', () => {
    expect(loadConfig({}, dir).audit).toEqual({ retentionDays: null, webhook: null });
    const c = loadConfig(
      { GITGATE_AUDIT_RETENTION_DAYS: '400', GITGATE_AUDIT_WEBHOOK_URL: 'https://hooks.example/audit', GITGATE_AUDIT_WEBHOOK_SECRET_FILE: write('hook', `${SECRET}\n`) },
      dir,
    );
    expect(c.audit).toEqual({ retentionDays: 400, webhook: { url: 'https://hooks.example/audit', secret: SECRET } });
  });

  it('reads GITGATE_ENV_FILE, the environment winning over it', () => {
    const envFile = write('gitgate.env', `# comment\nPORT=9090\nGITGATE_SECRET="${SECRET}"\nexport LOG_LEVEL=warn\nHOST=0.0.0.0\n`);
    const c = loadConfig({ GITGATE_ENV_FILE: envFile, HOST: '127.0.0.9' }, dir);
    expect(c).toMatchObject({ port: 9090, secret: SECRET, logLevel: 'warn', host: '127.0.0.9' });
  });

  it('reports every file that cannot be used, with the other invalid settings, at once', () => {
    let error: unknown;
    try {
      loadConfig(
        {
          GITGATE_SECRET: SECRET,
          GITGATE_SECRET_FILE: write('secret2', SECRET),
          DATABASE_URL_FILE: 'missing-file',
          REDIS_URL_FILE: write('empty', '\n'),
          GITGATE_ROOT_PASSWORD_FILE: write('short', 'short\n'),
          GITGATE_ENV_FILE: 'no-such.env',
          PORT: 'eighty',
        },
        dir,
      );
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'GITGATE_ENV_FILE cannot be read (ENOENT: ' + path.join(dir, 'no-such.env') + ')',
      'GITGATE_SECRET_FILE is set, and so is GITGATE_SECRET: set one of them',
      'DATABASE_URL_FILE cannot be read (ENOENT: ' + path.join(dir, 'missing-file') + ')',
      'REDIS_URL_FILE names an empty file (' + path.join(dir, 'empty') + ')',
      'PORT Invalid input: expected number, received NaN',
      'GITGATE_ROOT_PASSWORD must be at least 8 characters',
    ]);
  });
});
