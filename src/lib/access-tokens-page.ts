/**
 * Where people create personal access tokens: the web page's path (GitLab's)
 * and its address, for every message that sends someone there (git's
 * refusals and expiry warnings, e-mails, the web pages themselves).
 */

/** GitLab's path of the Access Tokens page. */
export const ACCESS_TOKENS_PATH = '/-/user_settings/personal_access_tokens';

/**
 * The page's address under `externalUrl` (trailing slashes ignored).
 * @example accessTokensUrl('https://git.example.com/') // 'https://git.example.com/-/user_settings/personal_access_tokens'
 */
export function accessTokensUrl(externalUrl: string): string {
  return `${externalUrl.replace(/\/+$/, '')}${ACCESS_TOKENS_PATH}`;
}
