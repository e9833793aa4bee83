/**
 * The container registry access decision as the token edge (`src/registry`)
 * sees it: what it asks, what it gets back. Declared by the service that
 * implements it, so the edge depends on the service and not the reverse.
 */
import type { PasswordCredentials } from '../identity/authenticator.js';
import type { Principal } from '../identity/principal.js';

/** One `resourcetype:resourcename:actions` item a client asked for. */
export interface ResourceRequest {
  /** `repository`, `registry`, … (a class such as `repository(plugin)` included). */
  type: string;
  /** The registry's repository name, e.g. `group/project/image`. */
  name: string;
  /** Requested actions in the client's order, deduplicated: `pull`, `push`, `delete`, `*`, … */
  actions: string[];
}

/** An entry of the token's `access` claim, in distribution's JSON shape. */
export interface ResourceAccess {
  type: string;
  name: string;
  actions: string[];
}

/** What the token edge knows about a request once it has been parsed. */
export interface RegistryAccessRequest {
  /**
   * Basic credentials; null when the client sent none (anonymous);
   * `'malformed'` when it sent an `Authorization` header that is not
   * readable Basic credentials — refused like a wrong password.
   */
  credentials: PasswordCredentials | 'malformed' | null;
  /** Client IP as resolved by the HTTP layer (trusted proxies applied). */
  ip: string;
  resources: ResourceRequest[];
}

/** Who the token is for and what it may do. */
export interface RegistryGrant {
  principal: Principal;
  /** Only resources with at least one granted action; actions the principal may not have are left out. */
  access: ResourceAccess[];
}

/**
 * Authenticates and filters requested access. Throws UnauthorizedError
 * (401: bad, malformed, expired or revoked credentials), BannedError (403), or
 * ForbiddenError (403: an anonymous request for no scope at all).
 */
export interface RegistryAuthorizer {
  authorize(request: RegistryAccessRequest): Promise<RegistryGrant>;
}
