import { describe, expect, it } from 'vitest';
import { NO_RESTRICTIONS } from '../identity/token-restrictions.js';
import { parseEntry } from './redis-token-tier.js';

const record = {
  tokenId: 1,
  name: 'ci',
  userId: 2,
  username: 'alice',
  isAdmin: false,
  userState: 'active',
  twoFactorEnabled: false,
  scopes: ['read_repository'],
  expiresAt: null,
  revoked: false,
  restrictions: { ...NO_RESTRICTIONS, projects: [3], allowedIps: ['10.0.0.0/8'] },
};

describe('parseEntry (the shared token cache tier)', () => {
  it('reads a record with its restrictions', () => {
    expect(parseEntry(JSON.stringify({ g: 4, r: record }))).toEqual({ generation: 4, record });
  });

  it('an entry without restrictions (an older version wrote it) is a miss, never an unrestricted token', () => {
    const { restrictions: _dropped, ...older } = record;
    expect(parseEntry(JSON.stringify({ g: 4, r: older }))).toBeUndefined();
  });

  it('an entry without the token name (an older version wrote it) is a miss', () => {
    const { name: _dropped, ...older } = record;
    expect(parseEntry(JSON.stringify({ g: 4, r: older }))).toBeUndefined();
  });

  it.each([
    { ...record.restrictions, projects: ['3'] },
    { ...record.restrictions, allowForcePush: 'no' },
    { ...record.restrictions, pushRefs: 'refs/heads/*' },
    null,
  ])('malformed restrictions are a miss: %j', (restrictions) => {
    expect(parseEntry(JSON.stringify({ g: 4, r: { ...record, restrictions } }))).toBeUndefined();
  });
});
