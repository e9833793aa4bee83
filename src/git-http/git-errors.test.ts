import { describe, expect, it } from 'vitest';
import {
  BannedError,
  ConflictError,
  ForbiddenError,
  InsufficientScopeError,
  NotFoundError,
  OverloadedError,
  TooManyRequestsError,
  UnauthorizedError,
  UnavailableError,
} from '../lib/errors.js';
import { PROJECT_NOT_FOUND } from '../git/git-messages.js';
import { ACCESS_DENIED, gitErrorAnswer, TWO_FACTOR_REQUIRED } from './git-errors.js';

describe('gitErrorAnswer', () => {
  it('401 asks for Basic credentials with GitLab wording', () => {
    for (const reason of ['missing', 'invalid', 'expired', 'revoked', 'blocked'] as const) {
      expect(gitErrorAnswer(new UnauthorizedError(reason))).toEqual({
        status: 401,
        headers: { 'WWW-Authenticate': 'Basic realm="gitgate"' },
        body: `${ACCESS_DENIED}\n`,
      });
    }
  });

  it('401 for 2FA users says to use a token, and where to make one when known', () => {
    expect(gitErrorAnswer(new UnauthorizedError('two_factor_required')).body).toBe(`${ACCESS_DENIED}\n${TWO_FACTOR_REQUIRED}\n`);
    expect(gitErrorAnswer(new UnauthorizedError('two_factor_required'), { externalUrl: 'https://git.example/' }).body).toBe(
      `${ACCESS_DENIED}\n${TWO_FACTOR_REQUIRED}\nYou can generate one at https://git.example/-/user_settings/personal_access_tokens\n`,
    );
  });

  it('404 never says whether the project exists', () => {
    expect(gitErrorAnswer(new NotFoundError('404 Project'))).toEqual({ status: 404, headers: {}, body: `${PROJECT_NOT_FOUND}\n` });
  });

  it('403 variants are one line', () => {
    expect(gitErrorAnswer(new ForbiddenError('You are not allowed to push code to this project.\nsecond line')).body).toBe(
      'You are not allowed to push code to this project.\n',
    );
    expect(gitErrorAnswer(new InsufficientScopeError(['write_repository', 'api']))).toMatchObject({
      status: 403,
      body: 'Insufficient scope: this requires a token with one of the scopes write_repository, api.\n',
    });
    expect(gitErrorAnswer(new BannedError())).toMatchObject({ status: 403, body: 'Too many failed authentication attempts from this IP\n' });
  });

  it('capacity refusals say why in one line, with Retry-After', () => {
    expect(gitErrorAnswer(new TooManyRequestsError('Too many git operations from your address.\nmore', 10))).toEqual({
      status: 429,
      headers: { 'Retry-After': '10' },
      body: 'Too many git operations from your address.\n',
    });
    expect(gitErrorAnswer(new OverloadedError('The server is busy.', 5))).toEqual({
      status: 503,
      headers: { 'Retry-After': '5' },
      body: 'The server is busy.\n',
    });
  });

  it('everything else is generic', () => {
    expect(gitErrorAnswer(new UnavailableError('db down: postgres://u:p@h'))).toMatchObject({ status: 503, body: 'Service Unavailable\n' });
    for (const err of [new Error('secret detail'), new ConflictError('x'), 'a string', null]) {
      expect(gitErrorAnswer(err)).toEqual({ status: 500, headers: {}, body: 'Internal Server Error\n' });
    }
  });
});
