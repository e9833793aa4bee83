import { describe, expect, it } from 'vitest';
import {
  BannedError,
  ConflictError,
  ForbiddenError,
  InsufficientScopeError,
  NotFoundError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
} from '../../lib/errors.js';
import { toGitLabError } from './api-errors.js';
import { ParamsError } from './params.js';

describe('toGitLabError', () => {
  it.each([
    [new UnauthorizedError('missing'), 401, { message: '401 Unauthorized' }],
    [new UnauthorizedError('invalid'), 401, { message: '401 Unauthorized' }],
    [new UnauthorizedError('blocked'), 403, { message: '403 Forbidden - Your account has been blocked.' }],
    [new ForbiddenError('403 Forbidden'), 403, { message: '403 Forbidden' }],
    [new ForbiddenError('Must be admin to use sudo'), 403, { message: '403 Forbidden - Must be admin to use sudo' }],
    [new BannedError(), 403, { message: '403 Forbidden - Too many failed authentication attempts from this IP' }],
    [new NotFoundError('404 User'), 404, { message: '404 User Not Found' }],
    [new NotFoundError('Project'), 404, { message: '404 Project Not Found' }],
    [new ParamsError('name', 'name is missing, scopes is missing'), 400, { error: 'name is missing, scopes is missing' }],
    [new ValidationError('scopes', 'scopes does not have a valid value: x'), 400, { error: 'scopes does not have a valid value: x' }],
    [new ValidationError('expires_at', 'Expiration date must be in the future'), 400, { message: { expires_at: ['Expiration date must be in the future'] } }],
    [new ValidationError('token', 'Token is not active'), 400, { message: '400 Bad request - Token is not active' }],
    [new ConflictError('Username has already been taken'), 409, { message: 'Username has already been taken' }],
    [new UnavailableError('postgres down: secret detail'), 503, { message: '503 Service Unavailable' }],
    [Object.assign(new Error('Unexpected token'), { type: 'entity.parse.failed', status: 400 }), 400, { message: '400 Bad request - The request body is not valid JSON' }],
    [Object.assign(new Error('too big'), { type: 'entity.too.large', status: 413 }), 413, { message: '413 Request Entity Too Large' }],
    [Object.assign(new Error('charset'), { type: 'charset.unsupported', status: 415 }), 415, { message: '415 Unsupported Media Type' }],
    [new TypeError('bug with details'), 500, { message: '500 Internal Server Error' }],
  ])('%s → %i %j', (err, status, body) => {
    expect(toGitLabError(err)).toMatchObject({ status, body });
  });

  it('reports revoked and expired tokens as rack-oauth2 invalid_token errors with a Bearer challenge', () => {
    const revoked = toGitLabError(new UnauthorizedError('revoked'));
    expect(revoked.body).toEqual({ error: 'invalid_token', error_description: 'Token was revoked. You have to re-authorize from the user.' });
    expect(revoked.headers?.['WWW-Authenticate']).toMatch(/^Bearer realm="Protected by OAuth 2\.0", error="invalid_token"/);
    expect(toGitLabError(new UnauthorizedError('expired')).body).toEqual({
      error: 'invalid_token',
      error_description: 'Token is expired. You can either do re-authorization or token refresh.',
    });
  });

  it('lists the scopes that would do in GitLab order', () => {
    expect(toGitLabError(new InsufficientScopeError(['read_user', 'read_api', 'api']))).toEqual({
      status: 403,
      body: {
        error: 'insufficient_scope',
        error_description: 'The request requires higher privileges than provided by the access token.',
        scope: 'api read_api read_user',
      },
    });
  });
});
