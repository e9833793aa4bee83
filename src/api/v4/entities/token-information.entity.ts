/**
 * The token information API's answer: GitLab's personal access token entity
 * (`lib/api/admin/token.rb` presents `API::Entities::PersonalAccessToken`)
 * with the owner added as `user`, as an administrator sees accounts, so one
 * call says whose a leaked token is.
 */
import type { IdentifiedToken } from '../../../tokens/token-information.js';
import { personalAccessTokenEntity, type TokenStatus } from './personal-access-token.entity.js';
import { userWithAdmin } from './user.entity.js';

/** `TokenInformation`: the token's fields and its owner. */
export function tokenInformationEntity({ token, owner }: IdentifiedToken, status: TokenStatus, externalUrl: string) {
  return { ...personalAccessTokenEntity(token, status), user: userWithAdmin(owner, externalUrl) };
}
