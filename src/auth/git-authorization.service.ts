/**
 * The git authorization decision (DESIGN.md, "Authorization rules"):
 * authenticate, find the project, then read access, scopes and push rights,
 * answering so that a private project is indistinguishable from a missing one.
 * Smart HTTP authenticates here; SSH authenticates at connection time and
 * asks `authorizePrincipal` for each command, so both share one decision.
 */
import type { PasswordCredentials } from '../identity/authenticator.js';
import type { GitCommandService } from '../identity/git-service.js';
import type { GitAuthorizer, GitGrant, GitRequest } from './git-authorization.js';
import { ForbiddenError, InsufficientScopeError, NotFoundError, UnauthorizedError } from '../lib/errors.js';
import { canPush, canReadCode } from '../projects/project-access.js';
import type { ProjectService } from '../projects/project.service.js';
import type { RepositoryStore } from '../projects/repository.store.js';
import type { Authenticator } from '../identity/authenticator.js';
import { principalSignIn, type GuardedAuthentication } from './guarded-authentication.js';
import { ANONYMOUS, identityOf, type Principal } from '../identity/principal.js';
import { ABILITY_SCOPES, scopesAllow } from '../identity/scopes.js';
import { pushRulesOf, reachesProject } from '../identity/token-restrictions.js';
import { expiryWarning, type ExpiryWarningPolicy } from '../tokens/expiry-warning.js';

export interface GitAccessDeps {
  authenticator: Authenticator<PasswordCredentials>;
  guarded: GuardedAuthentication;
  projects: ProjectService;
  repos: RepositoryStore;
  /** When to warn a token's user, in git's output, that it expires soon; absent: never. */
  expiryWarnings?: ExpiryWarningPolicy;
}

const PROJECT = '404 Project';

export class GitAuthorizationService implements GitAuthorizer {
  constructor(private readonly deps: GitAccessDeps) {}

  async authorize(request: GitRequest): Promise<GitGrant> {
    const principal = request.credentials ? await this.authenticate(request.credentials, request.ip) : ANONYMOUS;
    return this.authorizePrincipal(principal, request.namespace, request.project, request.service);
  }

  /**
   * Whether an already authenticated `principal` may run `service` on
   * `namespace/project`. Passwords and SSH keys carry their user's full git
   * rights; tokens are limited to their scopes. Throws like `authorize`.
   */
  async authorizePrincipal(principal: Principal, namespace: string, projectPath: string, service: GitCommandService): Promise<GitGrant> {
    const who = identityOf(principal);
    const found = await this.deps.projects.findByPath(namespace, projectPath);
    // Outside a restricted token's projects, a project looks missing, even a public one.
    const project = found && reachesProject(who?.reach, found) ? found : null;
    const level = project ? await this.deps.projects.accessLevel(who, project) : 0;
    if (!project || !canReadCode(who, project, level)) throw this.hidden(principal);

    if (service !== 'git-receive-pack') {
      this.requireScope(principal, 'read_repository');
    } else {
      // Anonymous pushes are asked for credentials, like GitLab.
      if (principal.kind === 'anonymous') throw new UnauthorizedError('missing');
      this.requireScope(principal, 'write_repository');
      if (!canPush(level)) throw new ForbiddenError('You are not allowed to push code to this project.');
    }

    const repoPath = await this.deps.repos.resolve(project.namespace, project.path);
    if (!repoPath) throw new NotFoundError(PROJECT);
    const fullPath = `${project.namespace}/${project.path}`;
    const push =
      service === 'git-receive-pack'
        ? { rules: principal.kind === 'token' ? pushRulesOf(principal.restrictions) : null, context: { pusher: who, projectId: project.id, projectPath: fullPath } }
        : null;
    const notice = principal.kind === 'token' && this.deps.expiryWarnings ? expiryWarning(principal.token, this.deps.expiryWarnings) : null;
    return { repoPath, projectId: project.id, projectPath: fullPath, principal, push, notice };
  }

  /** Checks credentials under the IP's ban. */
  private async authenticate(credentials: PasswordCredentials, ip: string): Promise<Principal> {
    const check = async (): Promise<Principal> => (await this.deps.authenticator.authenticate(credentials, { ip })) ?? ANONYMOUS;
    return this.deps.guarded.run('git-http', ip, check, { signedIn: principalSignIn });
  }

  /** Anonymous callers are asked to sign in; signed-in ones learn nothing. */
  private hidden(principal: Principal): Error {
    return principal.kind === 'anonymous' ? new UnauthorizedError('missing') : new NotFoundError(PROJECT);
  }

  private requireScope(principal: Principal, ability: 'read_repository' | 'write_repository'): void {
    if (principal.kind === 'token' && !scopesAllow(principal.scopes, ability)) {
      throw new InsufficientScopeError(ABILITY_SCOPES[ability]);
    }
  }
}
