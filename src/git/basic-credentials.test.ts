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
