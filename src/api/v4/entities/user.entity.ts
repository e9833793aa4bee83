/**
 * Users in GitLab's shapes (`lib/api/entities/user_basic.rb`, `user.rb`,
 * `user_public.rb`, `user_with_admin.rb`): each adds fields to the one
 * before, and which one a caller gets depends on who is asking.
 */
import type { User } from '../../../users/user.js';

/** `UserBasic`: what anyone who may list users sees. */
export function userBasic(user: User, externalUrl: string) {
  return {
    id: user.id,
    username: user.username,
    name: user.name,
    state: user.state,
    locked: false,
    avatar_url: null,
    web_url: `${externalUrl}/${user.username}`,
  };
}

/** `User`: a profile as another signed-in user sees it. */
export function userDetails(user: User, externalUrl: string) {
  return {
    ...userBasic(user, externalUrl),
    created_at: user.createdAt.toISOString(),
    bio: '',
    location: '',
    public_email: null,
    website_url: '',
    organization: '',
    job_title: '',
    bot: false,
  };
}

/** `UserPublic`: the caller's own account (`GET /user`), with email and 2FA state. */
export function userPublic(user: User, externalUrl: string) {
  return {
    ...userDetails(user, externalUrl),
    last_sign_in_at: null,
    confirmed_at: user.createdAt.toISOString(),
    last_activity_on: null,
    email: user.email,
    commit_email: user.email,
    projects_limit: 100000,
    current_sign_in_at: null,
    identities: [],
    can_create_group: false,
    can_create_project: true,
    two_factor_enabled: user.twoFactorEnabled,
    external: false,
    private_profile: false,
  };
}

/** `UserWithAdmin`: any account as an administrator sees it. */
export function userWithAdmin(user: User, externalUrl: string) {
  return { ...userPublic(user, externalUrl), is_admin: user.isAdmin, note: null };
}
