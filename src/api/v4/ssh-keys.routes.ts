/**
 * SSH keys (GitLab's `lib/api/users.rb`): the caller's own under
 * `/user/keys`, anyone's (public keys are public, as in GitLab) under
 * `/users/:id/keys`, where administrators may also add and delete them.
 */
import { z } from 'zod';
import { MIN_RSA_BITS } from '../../ssh-keys/openssh-public-key.js';
import { DEFAULT_SSH_KEY_USAGE, SSH_KEY_USAGES, type SshKey } from '../../ssh-keys/ssh-key.js';
import type { ApiDeps } from './api-deps.js';
import { sshKeyEntity } from './entities/ssh-key.entity.js';
import { pageOf, pageParams } from './pagination.js';
import { dateTime, idParam, text } from './params.js';
import { route, type ApiRoute } from './route.js';

const listParams = z.object({ ...pageParams });

const createParams = z.object({
  title: text(1024),
  key: text(10_000).meta({ description: `An OpenSSH public key: ED25519, ECDSA, or RSA of at least ${MIN_RSA_BITS} bits` }),
  expires_at: dateTime().nullable().optional(),
  usage_type: z.enum(SSH_KEY_USAGES).optional().meta({ default: DEFAULT_SSH_KEY_USAGE }),
});

/** The SSH key routes. */
export function sshKeyRoutes(deps: ApiDeps): ApiRoute[] {
  const { sshKeys, users } = deps;
  const host = hostOf(deps.externalUrl);
  /** Serializes keys of `userId` with its owner's name in the publishable key. */
  const present = async (userId: number, keys: SshKey[]) => {
    const owner = await users.get(userId);
    return keys.map((k) => sshKeyEntity(k, owner.name, host));
  };
  const create = (params: z.output<typeof createParams>) => ({
    title: params.title,
    key: params.key,
    expiresAt: params.expires_at ?? null,
    ...(params.usage_type ? { usageType: params.usage_type } : {}),
  });

  return [
    route({
      method: 'get',
      path: '/user/keys',
      summary: "List the caller's SSH keys",
      tag: 'users',
      scope: 'read_user',
      params: listParams,
      success: { status: 200, body: 'SSHKey', list: true },
      errors: [400],
      handle: async ({ params, caller }) => {
        const page = pageOf(params);
        const { keys, total } = await sshKeys.list(caller.id, { limit: page.limit, offset: page.offset });
        return { body: await present(caller.id, keys), page: { page, total } };
      },
    }),
    route({
      method: 'post',
      path: '/user/keys',
      summary: 'Add an SSH key for the caller',
      tag: 'users',
      scope: 'write_api',
      params: createParams,
      success: { status: 201, body: 'SSHKey' },
      errors: [400],
      handle: async ({ params, caller }) => {
        const key = await sshKeys.add(caller, caller.id, create(params));
        return { body: (await present(caller.id, [key]))[0] };
      },
    }),
    route({
      method: 'get',
      path: '/user/keys/:key_id',
      summary: "Get one of the caller's SSH keys",
      tag: 'users',
      scope: 'read_user',
      success: { status: 200, body: 'SSHKey' },
      errors: [400, 404],
      handle: async ({ path, caller }) => {
        const key = await sshKeys.get(caller.id, idParam(path.key_id, 'key_id'));
        return { body: (await present(caller.id, [key]))[0] };
      },
    }),
    route({
      method: 'delete',
      path: '/user/keys/:key_id',
      summary: "Delete one of the caller's SSH keys",
      tag: 'users',
      scope: 'write_api',
      success: { status: 204 },
      errors: [400, 404],
      handle: async ({ path, caller }) => {
        await sshKeys.remove(caller, caller.id, idParam(path.key_id, 'key_id'));
      },
    }),
    route({
      method: 'get',
      path: '/users/:id/keys',
      summary: "List a user's SSH keys",
      tag: 'users',
      scope: 'read_user',
      params: listParams,
      success: { status: 200, body: 'SSHKey', list: true },
      errors: [400, 404],
      handle: async ({ path, params }) => {
        const userId = idParam(path.id);
        const page = pageOf(params);
        const { keys, total } = await sshKeys.list(userId, { limit: page.limit, offset: page.offset });
        return { body: await present(userId, keys), page: { page, total } };
      },
    }),
    route({
      method: 'post',
      path: '/users/:id/keys',
      summary: 'Add an SSH key for a user (administrators)',
      tag: 'users',
      scope: 'write_api',
      admin: true,
      params: createParams,
      success: { status: 201, body: 'SSHKey' },
      errors: [400, 404],
      handle: async ({ path, params, caller }) => {
        const userId = idParam(path.id);
        const key = await sshKeys.add(caller, userId, create(params));
        return { body: (await present(userId, [key]))[0] };
      },
    }),
    route({
      method: 'get',
      path: '/users/:id/keys/:key_id',
      summary: "Get one of a user's SSH keys",
      tag: 'users',
      scope: 'read_user',
      success: { status: 200, body: 'SSHKey' },
      errors: [400, 404],
      handle: async ({ path }) => {
        const userId = idParam(path.id);
        await users.get(userId);
        const key = await sshKeys.get(userId, idParam(path.key_id, 'key_id'));
        return { body: (await present(userId, [key]))[0] };
      },
    }),
    route({
      method: 'delete',
      path: '/users/:id/keys/:key_id',
      summary: "Delete a user's SSH key (administrators)",
      tag: 'users',
      scope: 'write_api',
      admin: true,
      success: { status: 204 },
      errors: [400, 404],
      handle: async ({ path, caller }) => {
        const userId = idParam(path.id);
        await users.get(userId);
        await sshKeys.remove(caller, userId, idParam(path.key_id, 'key_id'));
      },
    }),
  ];
}

/** The host part of the external URL, as GitLab puts it in publishable keys. */
function hostOf(externalUrl: string): string {
  try {
    return new URL(externalUrl).hostname;
  } catch {
    return 'localhost';
  }
}
