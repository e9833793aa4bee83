import { describe, expect, it } from 'vitest';
import { parseBasicCredentials } from './basic-credentials.js';

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
