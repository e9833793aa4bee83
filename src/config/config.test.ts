import path from 'node:path';
import { describe, expect, it } from 'vitest';
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
  ])('rejects %o with one line naming the variable', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    try {
      loadConfig(env);
    } catch (err) {
      expect((err as Error).message).toMatch(name);
      expect((err as Error).message).not.toContain('\n');
    }
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

  it('lets only loopback use the monitoring endpoints unless told otherwise', () => {
    expect(loadConfig({}).monitoringAllowlist).toEqual(['127.0.0.0/8', '::1']);
    expect(loadConfig({ GITGATE_MONITORING_ALLOWLIST: ' 10.0.0.0/8 , 192.0.2.7,2001:db8::/32 ' }).monitoringAllowlist).toEqual([
      '10.0.0.0/8',
      '192.0.2.7',
      '2001:db8::/32',
    ]);
  });

  it('treats empty variables as unset and trims the external URL', () => {
    const c = loadConfig({ DATABASE_URL: '', GITGATE_EXTERNAL_URL: 'https://git.example.com/' });
    expect(c.databaseUrl).toBeNull();
    expect(c.externalUrl).toBe('https://git.example.com');
  });
});
