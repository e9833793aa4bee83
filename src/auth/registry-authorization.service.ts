/**
 * The container registry authorization decision: authenticate like git,
 * then keep, of each requested repository, only the actions the principal
 * may have (the token spec's answer to "not allowed" is a token without
 * them, never an error, so nothing reveals whether a private project exists).
 */
import type { PasswordCredentials } from '../identity/authenticator.js';
import { ForbiddenError, UnauthorizedError } from '../lib/errors.js';
import type { ProjectService } from '../projects/project.service.js';
import type {
  RegistryAccessRequest,
  RegistryAuthorizer,
  RegistryGrant,
  ResourceAccess,
  ResourceRequest,
} from './registry-authorization.js';
import type { Authenticator } from '../identity/authenticator.js';
import { principalSignIn, type GuardedAuthentication } from './guarded-authentication.js';
import { ANONYMOUS, identityOf, type Principal } from '../identity/principal.js';
import { reachesProject } from '../identity/token-restrictions.js';
import { catalogAllowed, projectFacts, projectOfRepositoryName, registryActionAllowed, type ProjectFacts } from './registry-abilities.js';

export interface RegistryAccessDeps {
  authenticator: Authenticator<PasswordCredentials>;
  guarded: GuardedAuthentication;
  projects: ProjectService;
}

/** Decides registry access for `/jwt/auth` (see the module comment). */
export class RegistryAuthorizationService implements RegistryAuthorizer {
  constructor(private readonly deps: RegistryAccessDeps) {}

  async authorize(request: RegistryAccessRequest): Promise<RegistryGrant> {
    const principal = request.credentials ? await this.authenticate(request.credentials, request.ip) : ANONYMOUS;
    // GitLab answers an anonymous request for nothing with 403: there is no one to log in.
    if (principal.kind === 'anonymous' && request.resources.length === 0) throw new ForbiddenError('access forbidden');
    const facts = new Map<string, Promise<ProjectFacts | null>>();
    const access: ResourceAccess[] = [];
    for (const resource of request.resources) {
      const granted = await this.grant(principal, resource, facts);
      if (granted) access.push(granted);
    }
    return { principal, access };
  }

  private async grant(
    principal: Principal,
    resource: ResourceRequest,
    facts: Map<string, Promise<ProjectFacts | null>>,
  ): Promise<ResourceAccess | null> {
    if (resource.type === 'registry') {
      const listsAll = resource.name === 'catalog' && resource.actions.includes('*') && catalogAllowed(principal);
      return listsAll ? { type: resource.type, name: resource.name, actions: ['*'] } : null;
    }
    if (resource.type !== 'repository') return null;
    const path = projectOfRepositoryName(resource.name);
    if (!path) return null;
    const key = `${path.namespace}/${path.project}`.toLowerCase();
    if (!facts.has(key)) facts.set(key, this.factsFor(principal, path.namespace, path.project));
    const project = await facts.get(key)!;
    if (!project) return null;
    const actions = resource.actions.filter((a) => registryActionAllowed(principal, a, project));
    return actions.length > 0 ? { type: resource.type, name: resource.name, actions } : null;
  }

  private async factsFor(principal: Principal, namespace: string, path: string): Promise<ProjectFacts | null> {
    const project = await this.deps.projects.findByPath(namespace, path);
    // Outside a restricted token's projects the registry grants nothing, as if the project did not exist.
    if (!project || !reachesProject(identityOf(principal)?.reach, project)) return null;
    return projectFacts(principal, project, await this.deps.projects.accessLevel(identityOf(principal), project));
  }

  /**
   * Checks credentials under the IP's ban (as git does). An unreadable
   * header is a failure too: otherwise it would be a way to probe without
   * ever being counted.
   */
  private authenticate(credentials: PasswordCredentials | 'malformed', ip: string): Promise<Principal> {
    const check = async (): Promise<Principal> => {
      if (credentials === 'malformed') throw new UnauthorizedError('invalid');
      const principal = await this.deps.authenticator.authenticate(credentials, { ip });
      if (!principal) throw new UnauthorizedError('invalid');
      return principal;
    };
    return this.deps.guarded.run('registry', ip, check, { signedIn: principalSignIn });
  }
}
