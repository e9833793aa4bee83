/** Project members in GitLab's shape (`lib/api/entities/member.rb`). */
import type { Member } from '../../../projects/project.js';
import type { User } from '../../../users/user.js';
import { userBasic } from './user.entity.js';

/** A membership with its user's basic fields. */
export function memberEntity(member: Member, user: User, externalUrl: string) {
  return {
    ...userBasic(user, externalUrl),
    access_level: member.accessLevel,
    created_at: member.createdAt.toISOString(),
    expires_at: null,
    membership_state: 'active',
  };
}
