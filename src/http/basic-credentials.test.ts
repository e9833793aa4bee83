import { describe, expect, it } from 'vitest';
import { parseBasicCredentials, readBasicAuthorization } from './basic-credentials.js';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

describe('parseBasicCredentials', () => {
  it('parses username and password; the password may contain colons', () => {
    expect(parseBasicCredentials(`Basic ${b64('oauth2:glpat-abc:def')}`)).toEqual({ username: 'oauth2', password: 'glpat-abc:def' });
    expect(parseBasicCredentials(`basic ${b64('ünï:pässword')}`)).toEqual({ username: 'ünï', password: 'pässword' });
  });

  it('keeps an empty username or password (the authorizer decides)', () => {
    expect(parseBasicCredentials(`Basic ${b64(':glpat-x')}`)).toEqual({ username: '', password: 'glpat-x' });
    expect(parseBasicCredentials(`Basic ${b64('user:')}`)).toEqual({ username: 'user', password: '' });
  });

  // Found by the fuzz suite: U+2028 ended basic-auth's `.*`, refusing a valid password.
  it('keeps a password with U+2028/U+2029, which are not control characters', () => {
    expect(parseBasicCredentials(`Basic ${b64(':\u2028')}`)).toEqual({ username: '', password: '\u2028' });
    expect(parseBasicCredentials(`Basic ${b64('alice:a\u2029b')}`)).toEqual({ username: 'alice', password: 'a\u2029b' });
  });

  // Found by the fuzz suite: basic-auth kept NUL, CR and LF, and a NUL username made PostgreSQL fail the lookup (500).
  it.each([':\0', 'alice\0:x', 'a\nb:x', 'alice:pass\r\nX: y', 'alice:\x7f', 'alice:tab\there'])('refuses control characters (RFC 7617): %j', (pair) => {
    expect(parseBasicCredentials(`Basic ${b64(pair)}`)).toBeNull();
  });

  it.each([undefined, '', 'Basic', 'Basic ', 'Basic !!!', `Bearer ${b64('a:b')}`, `Basic ${b64('no-colon')}`, `Basic ${b64(':')}`, 'Basic a b'])(
    'treats %j as no credentials',
    (header) => {
      expect(parseBasicCredentials(header)).toBeNull();
    },
  );
});

describe('readBasicAuthorization', () => {
  it.each([undefined, '', '   ', `Basic ${b64(':')}`])('reads %j as no credentials', (header) => {
    expect(readBasicAuthorization(header)).toEqual({ kind: 'none' });
  });

  it.each(['Basic', 'Basic ', 'Basic !!!', `Bearer ${b64('a:b')}`, 'Bearer glpat-abc', `Basic ${b64('no-colon')}`, 'Basic a b', 'Digest username="x"'])(
    'reads %j as malformed',
    (header) => {
      expect(readBasicAuthorization(header)).toEqual({ kind: 'malformed' });
    },
  );

  it('reads Basic credentials', () => {
    expect(readBasicAuthorization(`Basic ${b64('bob:pw')}`)).toEqual({ kind: 'basic', credentials: { username: 'bob', password: 'pw' } });
  });
});
