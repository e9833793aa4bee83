/**
 * `GET /jwt/auth`: the Docker registry token authentication endpoint
 * (distribution's token spec), where `docker login`, docker/containerd pulls
 * and pushes, and skopeo trade Basic credentials for a bearer token.
 */
import { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { principalSummary } from '../identity/principal.js';
import { readBasicAuthorization, type BasicAuthorization } from '../http/basic-credentials.js';
import { claimSurface, requestLogger, requestState } from '../http/request-state.js';
import { ValidationError } from '../lib/errors.js';
import { sendRegistryError, toRegistryError } from './registry-errors.js';
import { parseRegistryScopes } from './registry-scope.js';
import type { IssuedRegistryToken, RegistryTokenRequest } from '../registry-tokens/registry-token.service.js';
import { clientIp } from '../http/client-ip.js';
import { logFailure } from '../lib/log-failure.js';

/** Dependencies of the token endpoint. */
export interface RegistryRouterDeps {
  tokens: { issue(request: RegistryTokenRequest): Promise<IssuedRegistryToken> };
  logger: Logger;
}

/** The token response of the spec; `access_token` repeats `token` for OAuth 2 clients. */
interface TokenResponse {
  token: string;
  access_token: string;
  expires_in: number;
  issued_at: string;
}

/**
 * Creates the router for `GET /jwt/auth?service=…&scope=…[&scope=…]`.
 * Basic credentials: any username with a personal access token, or a
 * username and password for users without 2FA; none for public pulls (an
 * `Authorization` header that is not Basic credentials is refused).
 * `account`, `client_id` and `offline_token` are accepted and ignored (no
 * refresh tokens are issued, as in GitLab).
 *
 * @example app.use(createRegistryRouter({ tokens: registryTokenService, logger }));
 */
export function createRegistryRouter(deps: RegistryRouterDeps): Router {
  const router = Router();
  router.get('/jwt/auth', async (req: Request, res: Response) => {
    claimSurface(res, 'registry');
    try {
      const issued = await deps.tokens.issue(parseTokenRequest(req));
      requestState(res).principal = issued.principal;
      requestLogger(res, deps.logger).debug(
        { ...principalSummary(issued.principal), access: issued.access.map((a) => `${a.name}:${a.actions.join(',')}`) },
        'registry token issued',
      );
      const body: TokenResponse = {
        token: issued.token,
        access_token: issued.token,
        expires_in: issued.expiresIn,
        issued_at: issued.issuedAt.toISOString(),
      };
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Pragma', 'no-cache');
      res.status(200).json(body);
    } catch (err) {
      const error = toRegistryError(err);
      if (error.status >= 500) logFailure(requestLogger(res, deps.logger), err, {}, 'registry token request failed');
      sendRegistryError(res, error);
    }
  });
  return router;
}

function parseTokenRequest(req: Request): RegistryTokenRequest {
  const query = req.query as Record<string, unknown>;
  return {
    credentials: credentialsOf(readBasicAuthorization(req.headers.authorization)),
    ip: clientIp(req),
    service: single(query.service, 'service'),
    resources: parseRegistryScopes(list(query.scope, 'scope')),
  };
}

/**
 * Basic credentials, none, or `'malformed'`: a header that is not readable
 * Basic credentials (another scheme, bad base64, no colon) is a 401 like a
 * wrong password, never an anonymous request.
 */
function credentialsOf(read: BasicAuthorization): RegistryTokenRequest['credentials'] {
  if (read.kind === 'basic') return read.credentials;
  return read.kind === 'malformed' ? 'malformed' : null;
}

function single(value: unknown, name: string): string | null {
  if (value === undefined) return null;
  if (typeof value !== 'string') throw new ValidationError(name, `${name} must be given once`);
  return value;
}

function list(value: unknown, name: string): string[] {
  if (value === undefined) return [];
  const values = Array.isArray(value) ? value : [value];
  if (!values.every((v): v is string => typeof v === 'string')) throw new ValidationError(name, `${name} is not a string`);
  return values;
}
