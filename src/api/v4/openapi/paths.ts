/**
 * Every implemented endpoint, described by hand: the OpenAPI test checks
 * this table against the mounted routes (methods, paths and parameters).
 */
import type { OperationSpec } from './operation.js';
import type { Schema } from './schemas.js';

const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer' };
const bool: Schema = { type: 'boolean' };
const date: Schema = { type: 'string', format: 'date' };
const dateTime: Schema = { type: 'string', format: 'date-time' };
const page = { page: { ...int, minimum: 1, default: 1 }, per_page: { ...int, minimum: 1, maximum: 100, default: 20 } };
const visibility: Schema = { type: 'string', enum: ['private', 'internal', 'public'] };
const accessLevel: Schema = { type: 'integer', enum: [10, 20, 30, 40, 50] };
const email: Schema = { type: 'string', format: 'email' };
const tokenSort: Schema = {
  type: 'string',
  enum: ['created', 'expires', 'last_used', 'name'].flatMap((by) => [`${by}_asc`, `${by}_desc`]),
};
const scopesList: Schema = {
  oneOf: [{ type: 'array', items: str }, { type: 'string', description: 'comma- or space-separated' }],
};

const sshKeyParams: Record<string, Schema> = {
  'title!': str,
  'key!': { type: 'string', description: 'An OpenSSH public key: ED25519, ECDSA, or RSA of at least 2048 bits' },
  expires_at: { oneOf: [dateTime, { type: 'null' }] },
  usage_type: { type: 'string', enum: ['auth', 'signing', 'auth_and_signing'], default: 'auth_and_signing' },
};

const READ_USER = 'api, read_api, read_user';
const READ_API = 'api, read_api';
const API = 'api';

/** `path → method → spec`, paths in OpenAPI's `{param}` form. */
export const PATHS: Record<string, Record<string, OperationSpec>> = {
  '/user': {
    get: {
      summary: 'Get the authenticated user', tag: 'users', scopes: READ_USER,
      ok: { status: 200, schema: ['UserPublic', 'UserWithAdmin'] }, errors: [401, 403],
    },
  },
  '/users': {
    get: {
      summary: 'List users', tag: 'users', scopes: READ_USER,
      params: { search: str, username: str, active: bool, blocked: bool, admins: bool, ...page },
      ok: { status: 200, schema: ['UserBasic', 'UserWithAdmin'], list: true }, errors: [400, 401, 403],
    },
    post: {
      summary: 'Create a user (administrators)', tag: 'users', scopes: API,
      params: {
        'username!': str, 'name!': str, 'email!': email, password: str,
        reset_password: bool, force_random_password: bool, admin: bool, skip_confirmation: bool,
      },
      ok: { status: 201, schema: 'UserWithAdmin' }, errors: [400, 401, 403, 409],
    },
  },
  '/users/{id}': {
    get: {
      summary: 'Get a single user', tag: 'users', scopes: READ_USER,
      ok: { status: 200, schema: ['User', 'UserWithAdmin'] }, errors: [400, 401, 403, 404],
    },
    put: {
      summary: 'Modify a user (administrators)', tag: 'users', scopes: API,
      params: { name: str, email, password: str, admin: bool, state: { type: 'string', enum: ['active', 'blocked'] } },
      ok: { status: 200, schema: 'UserWithAdmin' }, errors: [400, 401, 403, 404, 409],
    },
  },
  '/users/{id}/block': {
    post: {
      summary: 'Block a user (administrators)', tag: 'users', scopes: API,
      ok: { status: 201, schema: 'Boolean' }, errors: [401, 403, 404],
    },
  },
  '/users/{id}/unblock': {
    post: {
      summary: 'Unblock a user (administrators)', tag: 'users', scopes: API,
      ok: { status: 201, schema: 'Boolean' }, errors: [401, 403, 404],
    },
  },
  '/users/{id}/personal_access_tokens': {
    get: {
      summary: "List a user's tokens (the user or administrators)", tag: 'personal_access_tokens', scopes: READ_USER,
      params: { ...page },
      ok: { status: 200, schema: 'PersonalAccessToken', list: true }, errors: [400, 401, 403, 404],
    },
    post: {
      summary: 'Create a token for a user (administrators)', tag: 'personal_access_tokens', scopes: API,
      params: { 'name!': str, 'scopes!': scopesList, expires_at: date, description: str },
      ok: { status: 201, schema: 'PersonalAccessTokenWithToken' }, errors: [400, 401, 403, 404],
    },
  },
  '/user/keys': {
    get: {
      summary: "List the caller's SSH keys", tag: 'users', scopes: READ_USER,
      params: { ...page },
      ok: { status: 200, schema: 'SSHKey', list: true }, errors: [400, 401, 403],
    },
    post: {
      summary: 'Add an SSH key for the caller', tag: 'users', scopes: API,
      params: sshKeyParams,
      ok: { status: 201, schema: 'SSHKey' }, errors: [400, 401, 403],
    },
  },
  '/user/keys/{key_id}': {
    get: {
      summary: "Get one of the caller's SSH keys", tag: 'users', scopes: READ_USER,
      ok: { status: 200, schema: 'SSHKey' }, errors: [400, 401, 403, 404],
    },
    delete: {
      summary: "Delete one of the caller's SSH keys", tag: 'users', scopes: API,
      ok: { status: 204 }, errors: [400, 401, 403, 404],
    },
  },
  '/users/{id}/keys': {
    get: {
      summary: "List a user's SSH keys", tag: 'users', scopes: READ_USER,
      params: { ...page },
      ok: { status: 200, schema: 'SSHKey', list: true }, errors: [400, 401, 403, 404],
    },
    post: {
      summary: 'Add an SSH key for a user (administrators)', tag: 'users', scopes: API,
      params: sshKeyParams,
      ok: { status: 201, schema: 'SSHKey' }, errors: [400, 401, 403, 404],
    },
  },
  '/users/{id}/keys/{key_id}': {
    get: {
      summary: "Get one of a user's SSH keys", tag: 'users', scopes: READ_USER,
      ok: { status: 200, schema: 'SSHKey' }, errors: [400, 401, 403, 404],
    },
    delete: {
      summary: "Delete a user's SSH key (administrators)", tag: 'users', scopes: API,
      ok: { status: 204 }, errors: [400, 401, 403, 404],
    },
  },
  '/projects': {
    get: {
      summary: 'List visible projects', tag: 'projects', scopes: READ_API, anonymous: true,
      params: { search: str, visibility, owned: bool, membership: bool, ...page },
      ok: { status: 200, schema: 'Project', list: true }, errors: [400, 401, 403],
    },
    post: {
      summary: 'Create a project and its repository', tag: 'projects', scopes: API,
      params: { name: str, path: str, description: str, visibility, namespace_id: { oneOf: [int, str] } },
      ok: { status: 201, schema: 'Project' }, errors: [400, 401, 403, 404, 409],
    },
  },
  '/projects/{id}': {
    get: {
      summary: 'Get a project', tag: 'projects', scopes: READ_API, anonymous: true,
      ok: { status: 200, schema: 'ProjectWithAccess' }, errors: [401, 403, 404],
    },
    delete: {
      summary: 'Delete a project', tag: 'projects', scopes: API,
      ok: { status: 202, schema: 'Message' }, errors: [401, 403, 404],
    },
  },
  '/projects/{id}/members': {
    get: {
      summary: 'List direct members', tag: 'members', scopes: READ_API,
      params: { ...page },
      ok: { status: 200, schema: 'Member', list: true }, errors: [400, 401, 403, 404],
    },
    post: {
      summary: 'Add a member', tag: 'members', scopes: API,
      params: { user_id: int, username: str, 'access_level!': accessLevel },
      ok: { status: 201, schema: 'Member' }, errors: [400, 401, 403, 404],
    },
  },
  '/projects/{id}/members/{user_id}': {
    get: {
      summary: 'Get a member', tag: 'members', scopes: READ_API,
      ok: { status: 200, schema: 'Member' }, errors: [400, 401, 403, 404],
    },
    put: {
      summary: "Change a member's access level", tag: 'members', scopes: API,
      params: { 'access_level!': accessLevel },
      ok: { status: 200, schema: 'Member' }, errors: [400, 401, 403, 404],
    },
    delete: {
      summary: 'Remove a member', tag: 'members', scopes: API,
      ok: { status: 204 }, errors: [400, 401, 403, 404],
    },
  },
  '/personal_access_tokens': {
    get: {
      summary: "List tokens (own; everyone's for administrators)", tag: 'personal_access_tokens', scopes: READ_API,
      params: {
        user_id: int, revoked: bool, state: { type: 'string', enum: ['active', 'inactive'] }, search: str,
        created_before: dateTime, created_after: dateTime, last_used_before: dateTime, last_used_after: dateTime,
        expires_before: date, expires_after: date, sort: tokenSort, ...page,
      },
      ok: { status: 200, schema: 'PersonalAccessToken', list: true }, errors: [400, 401, 403, 404],
    },
  },
  '/personal_access_tokens/self': {
    get: {
      summary: 'Get the token of this request', tag: 'personal_access_tokens', scopes: 'any',
      ok: { status: 200, schema: 'PersonalAccessToken' }, errors: [401, 403],
    },
    delete: {
      summary: 'Revoke the token of this request', tag: 'personal_access_tokens', scopes: 'any',
      ok: { status: 204 }, errors: [400, 401, 403],
    },
  },
  '/personal_access_tokens/self/rotate': {
    post: {
      summary: 'Rotate the token of this request', tag: 'personal_access_tokens', scopes: API,
      params: { expires_at: date },
      ok: { status: 200, schema: 'PersonalAccessTokenWithToken' }, errors: [400, 401, 403],
    },
  },
  '/personal_access_tokens/{id}': {
    get: {
      summary: 'Get a token', tag: 'personal_access_tokens', scopes: READ_API,
      ok: { status: 200, schema: 'PersonalAccessToken' }, errors: [400, 401, 403, 404],
    },
    delete: {
      summary: 'Revoke a token', tag: 'personal_access_tokens', scopes: API,
      ok: { status: 204 }, errors: [400, 401, 403, 404],
    },
  },
  '/personal_access_tokens/{id}/rotate': {
    post: {
      summary: 'Rotate a token (the old one is revoked; a rotation request made with a revoked token revokes its family)',
      tag: 'personal_access_tokens', scopes: API,
      params: { expires_at: date },
      ok: { status: 200, schema: 'PersonalAccessTokenWithToken' }, errors: [400, 401, 403, 404],
    },
  },
};
