/** The git edge's view of the authorization contract (declared by the auth service). */
export type { BasicCredentials, GitAuthorizer, GitGrant, GitRequest, GitService } from '../auth/git-access.js';
