import { NO_RESTRICTIONS } from '../../identity/token-restrictions.js';
/**
 * The API's authentication middleware against fakes: the failed-auth guard
 * is consulted before a token is checked and told about each outcome.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditRecorder } from '../../audit/audit-log.js';
import type { Attempt } from '../../identity/attempt-ledger.js';
import type { FailedAuthGuard } from '../../identity/failed-auth-guard.js';
import { GuardedAuthentication } from '../../auth/guarded-authentication.js';
import { BannedError, NotFoundError, UnauthorizedError } from '../../lib/errors.js';
import type { TokenAuthRecord } from '../../tokens/token-lookup.js';
import type { User } from '../../users/user.js';
import { apiErrorHandler } from './api-errors.js';
import { apiLocals } from './api-state.js';
import { authenticate, type TokenVerifier, type UserDirectory } from './authenticate.js';
import { extractToken } from './extract-token.js';

/** These suites check the ban, not the audit trail. */
const DISCARD_AUDIT: AuditRecorder = { record: async () => undefined, recordOnce: async () => undefined };

const RECORD: TokenAuthRecord = {
  tokenId: 7,
  name: 'admin',
  userId: 1,
  username: 'root',
  isAdmin: true,
  userState: 'active',
  twoFactorEnabled: false,
  scopes: ['api', 'sudo'],
  expiresAt: null,
  revoked: false,
  restrictions: NO_RESTRICTIONS,
};

class FakeGuard implements FailedAuthGuard {
  events: string[] = [];
  banned = false;
  async check(ip: string): Promise<void> {
    this.events.push(`check ${ip}`);
    if (this.banned) throw new BannedError();
  }
  async begin(ip: string): Promise<Attempt> {
    await this.check(ip);
    return {
      settle: async (outcome) => {
        this.events.push(`${outcome} ${ip}`);
        return null;
      },
    };
  }
}

const tokens: TokenVerifier = {
  async authenticate(plaintext) {
    if (plaintext === 'good') return RECORD;
    if (plaintext === 'revoked') throw new UnauthorizedError('revoked');
    if (plaintext === 'blocked') throw new UnauthorizedError('blocked');
    throw new UnauthorizedError('invalid');
  },
};
const alice = { id: 2, username: 'alice', isAdmin: false } as User;
const users: UserDirectory = {
  get: async (id) => (id === 2 ? alice : Promise.reject(new NotFoundError('404 User'))),
  getByUsername: async (name) => (name.toLowerCase() === 'alice' ? alice : Promise.reject(new NotFoundError('404 User'))),
};

const servers: { close(): void }[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

async function serve(guard: FakeGuard): Promise<string> {
  const app = express();
  app.use(extractToken, authenticate({ tokens, users, guarded: new GuardedAuthentication(guard, DISCARD_AUDIT) }));
  app.get('/who', (_req, res) => {
    res.json(apiLocals(res).apiAuth);
  });
  app.use(apiErrorHandler(pino({ level: 'silent' })));
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('authenticate', () => {
  it('checks the guard first and records a success', async () => {
    const guard = new FakeGuard();
    const res = await fetch(`${await serve(guard)}/who`, { headers: { 'private-token': 'good' } });
    expect(res.status).toBe(200);
    expect(guard.events).toEqual(['check 127.0.0.1', 'success 127.0.0.1']);
  });

  it.each([
    ['unknown', 401, ['check 127.0.0.1', 'failure 127.0.0.1']],
    ['revoked', 401, ['check 127.0.0.1', 'failure 127.0.0.1']],
    ['blocked', 403, ['check 127.0.0.1', 'neutral 127.0.0.1']],
  ])('a %s token → %i, guard events %j', async (token, status, events) => {
    const guard = new FakeGuard();
    const res = await fetch(`${await serve(guard)}/who`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(status);
    expect(guard.events).toEqual(events);
  });

  it('refuses a banned address before looking at the token', async () => {
    const guard = new FakeGuard();
    guard.banned = true;
    const res = await fetch(`${await serve(guard)}/who?private_token=good`);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ message: '403 Forbidden - Too many failed authentication attempts from this IP' });
    expect(guard.events).toEqual(['check 127.0.0.1']);
  });

  it('leaves anonymous requests alone', async () => {
    const guard = new FakeGuard();
    const res = await fetch(`${await serve(guard)}/who`);
    expect(await res.json()).toEqual({ principal: { kind: 'anonymous' }, token: null, sudo: false });
    expect(guard.events).toEqual([]);
  });

  it('switches to the sudo user, keeping the token id for the record', async () => {
    const res = await fetch(`${await serve(new FakeGuard())}/who?sudo=ALICE`, { headers: { 'private-token': 'good' } });
    expect(await res.json()).toMatchObject({
      principal: { kind: 'token', user: { id: 2, username: 'alice', isAdmin: false }, tokenId: 7 },
      sudo: true,
    });
  });
});
