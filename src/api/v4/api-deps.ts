import type { Logger } from 'pino';
import type { AuditLog } from '../../audit/audit-log.js';
import type { GuardedAuthentication } from '../../auth/guarded-authentication.js';
import type { RefReader } from '../../git/ref-reader.js';
import type { SshKeyService } from '../../ssh-keys/ssh-key.service.js';
import type { HousekeepingService } from '../../housekeeping/housekeeping.service.js';
import type { ProjectService } from '../../projects/project.service.js';
import type { ProjectUrls } from '../../projects/project-urls.js';
import type { TokenService } from '../../tokens/token.service.js';
import type { TokenInformation } from '../../tokens/token-information.js';
import type { UserService } from '../../users/user.service.js';

/** What the REST API needs: the services it calls and a few settings. */
export interface ApiDeps {
  users: UserService;
  tokens: TokenService;
  /** The token information API (`/admin/token`). */
  tokenInformation: TokenInformation;
  projects: ProjectService;
  /** Repository housekeeping (`POST /projects/:id/housekeeping`). */
  housekeeping: HousekeepingService;
  /** SSH keys (`/user/keys`, `/users/:id/keys`). */
  sshKeys: SshKeyService;
  /** The audit trail (`/audit_events`). */
  audit: AuditLog;
  /** Reads branches and tags with git (`/projects/:id/repository/…`). */
  refs: RefReader;
  logger: Logger;
  /** Base of users' `web_url` and of pagination links (GITGATE_EXTERNAL_URL). */
  externalUrl: string;
  /** Projects' `web_url`, `http_url_to_repo` and `ssh_url_to_repo`. */
  urls: ProjectUrls;
  /** Failed-authentication bookkeeping; when absent, nothing is counted or banned. */
  guarded?: GuardedAuthentication;
  /** Largest accepted request body (JSON or form-encoded); default `1mb`. */
  bodyLimit?: string;
}
