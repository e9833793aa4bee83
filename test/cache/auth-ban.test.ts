/**
 * GitLab's git_basic_auth ban: maxretry failures from one IP within
 * findtime ban it for bantime, on every instance; a success resets the
 * count. Loopback is allow-listed by default, so these gateways allow-list
 * another address instead.
 */
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { Project } from '../../src/projects/project.js';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { refsStatus } from './support.js';

const BAN_ENV = {
  GITGATE_AUTH_BAN_MAX_RETRY: '3',
  GITGATE_AUTH_BAN_FIND_TIME_SECONDS: '60',
  GITGATE_AUTH_BAN_TIME_SECONDS: '600',
  GITGATE_AUTH_BAN_ALLOWLIST: '192.0.2.1',
};
const redisUrl = inject('redisUrl');
const WRONG = `glpat-${'0'.repeat(38)}`;

async function setup(gw: Gateway): Promise<{ repo: string; token: string }> {
  const owner: User = await gw.createUser(`u${Math.random().toString(36).slice(2, 8)}`);
  const project: Project = await gw.createProject(owner, 'p');
  const { token } = await gw.createToken(owner, ['read_repository']);
  return { repo: `${project.namespace}/${project.path}`, token };
}

describe('in-process ban (no Redis)', () => {
  let gw: Gateway;
  let repo: string;
  let token: string;

  beforeAll(async () => {
    gw = await startGateway('sqlite', { env: BAN_ENV });
    ({ repo, token } = await setup(gw));
  });
  afterAll(() => gw?.stop());
  afterEach(() => {
    vi.useRealTimers();
  });

  it('bans after maxretry failures, with the message git prints', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2031-05-01T10:00:00Z'));
    for (let i = 0; i < 3; i++) expect(await refsStatus(gw, repo, WRONG)).toBe(401);
    const res = await fetch(`${gw.url}/${repo}.git/info/refs?service=git-upload-pack`, {
      headers: { authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}` },
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/Too many failed authentication attempts from this IP/);

    vi.setSystemTime(new Date('2031-05-01T10:09:59Z'));
    expect(await refsStatus(gw, repo, token)).toBe(403);
    vi.setSystemTime(new Date('2031-05-01T10:10:01Z'));
    expect(await refsStatus(gw, repo, token)).toBe(200);
  });

  it('a success resets the count; failures outside findtime do not add up', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2031-06-01T10:00:00Z'));
    for (let i = 0; i < 2; i++) expect(await refsStatus(gw, repo, WRONG)).toBe(401);
    expect(await refsStatus(gw, repo, token)).toBe(200);
    for (let i = 0; i < 2; i++) expect(await refsStatus(gw, repo, WRONG)).toBe(401);
    vi.setSystemTime(new Date('2031-06-01T10:01:01Z'));
    expect(await refsStatus(gw, repo, WRONG)).toBe(401);
    expect(await refsStatus(gw, repo, token)).toBe(200);
  });

  it('does not count requests without credentials', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${gw.url}/${repo}.git/info/refs?service=git-upload-pack`);
      expect(res.status).toBe(401);
    }
    expect(await refsStatus(gw, repo, token)).toBe(200);
  });
});

describe('allow-listed addresses', () => {
  it('never bans loopback by default (GitLab allow-lists 127.0.0.1)', async () => {
    const gw = await startGateway('sqlite', { env: { GITGATE_AUTH_BAN_MAX_RETRY: '2' } });
    try {
      const { repo, token } = await setup(gw);
      for (let i = 0; i < 5; i++) expect(await refsStatus(gw, repo, WRONG)).toBe(401);
      expect(await refsStatus(gw, repo, token)).toBe(200);
    } finally {
      await gw.stop();
    }
  });
});

describe.runIf(redisUrl)('ban shared through Redis', () => {
  let a: Gateway;
  let b: Gateway;
  let repo: string;
  let token: string;

  beforeAll(async () => {
    a = await startGateway(databaseKinds().at(-1)!, { redisUrl: redisUrl!, env: BAN_ENV });
    b = await startGateway(databaseKinds().at(-1)!, { shareWith: a });
    ({ repo, token } = await setup(a));
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('failures on A ban the IP on B too; a success before the limit resets it everywhere', async () => {
    expect(await refsStatus(a, repo, WRONG)).toBe(401);
    expect(await refsStatus(b, repo, WRONG)).toBe(401);
    expect(await refsStatus(a, repo, token)).toBe(200);
    expect(await refsStatus(b, repo, WRONG)).toBe(401);
    expect(await refsStatus(a, repo, WRONG)).toBe(401);
    expect(await refsStatus(b, repo, token)).toBe(200);

    for (let i = 0; i < 3; i++) expect(await refsStatus(i % 2 ? a : b, repo, WRONG)).toBe(401);
    expect(await refsStatus(a, repo, token)).toBe(403);
    expect(await refsStatus(b, repo, token)).toBe(403);
  });

  it('audits the ban once, on the instance whose failure started it', async () => {
    const bans = async () => {
      await Promise.all([a.system.audit.flush(), b.system.audit.flush()]);
      return (await a.system.audit.list({})).events.filter((e) => e.action === 'ip_banned');
    };
    const before = (await bans()).length;
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date(Date.now() + 3_600_000));
      for (let i = 0; i < 3; i++) expect(await refsStatus(i % 2 ? b : a, repo, WRONG)).toBe(401);
      for (const gw of [a, b]) expect(await refsStatus(gw, repo, WRONG)).toBe(403);
    } finally {
      vi.useRealTimers();
    }
    const after = await bans();
    expect(after.slice(0, after.length - before)).toMatchObject([{ target: { type: 'IpAddress', details: '127.0.0.1' }, details: { surface: 'git-http' } }]);
  });
});

describe('client address behind proxies', () => {
  const forwardedStatus = async (gw: Gateway, repo: string, secret: string, forwardedFor: string) => {
    const res = await fetch(`${gw.url}/${repo}.git/info/refs?service=git-upload-pack`, {
      headers: {
        authorization: `Basic ${Buffer.from(`x:${secret}`).toString('base64')}`,
        'x-forwarded-for': forwardedFor,
      },
    });
    await res.arrayBuffer();
    return res.status;
  };

  it('ignores X-Forwarded-For unless the proxy is trusted', async () => {
    // Loopback is allow-listed by default: a forged header must not turn it into a bannable address.
    const gw = await startGateway('sqlite', { env: { GITGATE_AUTH_BAN_MAX_RETRY: '2' } });
    try {
      const { repo, token } = await setup(gw);
      for (let i = 0; i < 4; i++) expect(await forwardedStatus(gw, repo, WRONG, '203.0.113.7')).toBe(401);
      expect(await forwardedStatus(gw, repo, token, '203.0.113.7')).toBe(200);
    } finally {
      await gw.stop();
    }
  });

  it('bans the forwarded client, not the trusted proxy', async () => {
    const gw = await startGateway('sqlite', { env: { GITGATE_AUTH_BAN_MAX_RETRY: '2', GITGATE_TRUSTED_PROXIES: '127.0.0.1,::1' } });
    try {
      const { repo, token } = await setup(gw);
      for (let i = 0; i < 2; i++) expect(await forwardedStatus(gw, repo, WRONG, '203.0.113.7')).toBe(401);
      expect(await forwardedStatus(gw, repo, token, '203.0.113.7')).toBe(403);
      expect(await forwardedStatus(gw, repo, token, '203.0.113.8')).toBe(200);
      expect(await refsStatus(gw, repo, token)).toBe(200);
    } finally {
      await gw.stop();
    }
  });
});
