/**
 * SSH keys in GitLab's shape (`lib/api/entities/ssh_key.rb`). `key` is the
 * publishable key: the comment a user pasted (often an email address) is
 * replaced by the owner's name and the host, as GitLab does.
 */
import type { SshKey } from '../../../ssh-keys/ssh-key.js';

/** `SSHKey`. */
export function sshKeyEntity(key: SshKey, ownerName: string, host: string) {
  const [type, data] = key.key.split(' ');
  return {
    id: key.id,
    title: key.title,
    created_at: key.createdAt.toISOString(),
    expires_at: key.expiresAt?.toISOString() ?? null,
    last_used_at: key.lastUsedAt?.toISOString() ?? null,
    key: `${type} ${data} ${ownerName} (${host})`,
    usage_type: key.usageType,
  };
}
