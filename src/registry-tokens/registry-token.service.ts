/**
 * The token service proper: checks the request is for this registry,
 * has the access decided, and signs the answer. Knows nothing of HTTP.
 */
import type { Principal } from '../identity/principal.js';
import type { PasswordCredentials } from '../identity/authenticator.js';
import type { Clock } from '../lib/clock.js';
import { UnavailableError, ValidationError } from '../lib/errors.js';
import type { RegistryAuthorizer, ResourceAccess, ResourceRequest } from '../auth/registry-authorization.js';
import { signRegistryToken } from './registry-token.js';
import { SigningKeyError, type SigningKey } from './signing-key.js';

/** The registry-facing settings (the registry's `auth.token` section must agree). */
export interface RegistryTokenSettings {
  issuer: string;
  service: string;
  lifetimeSeconds: number;
}

export interface RegistryTokenServiceDeps {
  authorizer: RegistryAuthorizer;
  /** The key that signs now (SigningKeyStore). */
  keys: { current(): Promise<SigningKey> };
  clock: Clock;
  settings: RegistryTokenSettings;
}

/** A parsed token request. */
export interface RegistryTokenRequest {
  /** See RegistryAccessRequest: `'malformed'` is an unreadable `Authorization` header. */
  credentials: PasswordCredentials | 'malformed' | null;
  ip: string;
  /** The `service` parameter, or null when the client sent none. */
  service: string | null;
  resources: ResourceRequest[];
}

/** A signed token and what it grants. */
export interface IssuedRegistryToken {
  token: string;
  expiresIn: number;
  issuedAt: Date;
  principal: Principal;
  access: ResourceAccess[];
}

/** Issues registry tokens; one instance per process, shared by every request. */
export class RegistryTokenService {
  constructor(private readonly deps: RegistryTokenServiceDeps) {}

  /**
   * Issues a token for the allowed part of `request.resources`.
   * @throws ValidationError for another service's name; whatever the authorizer throws;
   *   UnavailableError when the signing key cannot be used.
   */
  async issue(request: RegistryTokenRequest): Promise<IssuedRegistryToken> {
    const { settings } = this.deps;
    // A token for another audience would only be refused by that registry, or trusted by one it was not meant for.
    if (request.service !== null && request.service !== settings.service) {
      throw new ValidationError('service', `this token service issues tokens for service "${settings.service}" only`);
    }
    const grant = await this.deps.authorizer.authorize(request);
    const key = await this.deps.keys.current().catch((err: unknown) => {
      throw err instanceof SigningKeyError ? new UnavailableError(`registry signing key: ${err.message}`, { cause: err }) : err;
    });
    const issuedAt = this.deps.clock.now();
    const token = await signRegistryToken(key, {
      issuer: settings.issuer,
      audience: settings.service,
      subject: grant.principal.kind === 'anonymous' ? null : grant.principal.user.username,
      access: grant.access,
      issuedAt,
      lifetimeSeconds: settings.lifetimeSeconds,
    });
    return { token, expiresIn: settings.lifetimeSeconds, issuedAt, principal: grant.principal, access: grant.access };
  }
}
