/**
 * Personal access tokens in GitLab's shape (`lib/api/entities/personal_access_token*.rb`).
 * The plaintext appears only in `personalAccessTokenWithToken`, on creation
 * and rotation; the digest never leaves the service layer.
 */
import type { PersonalAccessToken } from '../../../tokens/token.js';

/** How the token service judges a token now. */
export interface TokenStatus {
  isActive(token: PersonalAccessToken): boolean;
  isExpired(token: PersonalAccessToken): boolean;
}

/** `PersonalAccessTokenWithLastUsedIps`: every field but the token. */
export function personalAccessTokenEntity(token: PersonalAccessToken, status: TokenStatus) {
  return {
    id: token.id,
    name: token.name,
    description: token.description,
    revoked: token.revoked,
    created_at: token.createdAt.toISOString(),
    scopes: token.scopes,
    user_id: token.userId,
    last_used_at: token.lastUsedAt?.toISOString() ?? null,
    last_used_ips: token.lastUsedIps,
    active: status.isActive(token),
    expired: status.isExpired(token),
    expires_at: token.expiresAt,
    ...restrictionFields(token),
  };
}

/** The restrictions as top-level fields (null: not limited there), the same on every token entity. */
function restrictionFields({ restrictions: r, parentTokenId }: PersonalAccessToken) {
  return {
    projects: r.projects,
    namespaces: r.namespaces,
    allowed_ips: r.allowedIps,
    push_refs: r.pushRefs,
    allow_force_push: r.allowForcePush,
    allow_ref_deletion: r.allowRefDeletion,
    parent_token_id: parentTokenId,
  };
}

/** `PersonalAccessTokenWithToken`: the entity plus the plaintext, shown once. */
export function personalAccessTokenWithToken(token: PersonalAccessToken, plaintext: string, status: TokenStatus) {
  return { ...personalAccessTokenEntity(token, status), token: plaintext };
}
