/**
 * The bearer token a registry accepts (distribution's
 * `registry/auth/token/token.go`): a JWS whose header lets the registry find
 * the key, and whose claims it checks.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { ResourceAccess } from '../auth/registry-authorization.js';
import type { SigningKey } from './signing-key.js';

/** What a token says; times are whole seconds since the epoch in the JWT. */
export interface RegistryTokenClaims {
  /** `iss`: must equal the registry's `auth.token.issuer`. */
  issuer: string;
  /** `aud`: must equal the registry's `auth.token.service`. */
  audience: string;
  /** `sub`: the username; omitted for anonymous tokens. */
  subject: string | null;
  /** `access`: what the bearer may do. */
  access: ResourceAccess[];
  /** `iat` and `nbf`. */
  issuedAt: Date;
  /** `exp` is `iat` plus this. */
  lifetimeSeconds: number;
}

/**
 * Signs `claims` with `key`. The header carries both ways a registry finds
 * the key: `x5c` (the certificate chain, verified against rootcertbundle —
 * what distribution 2.8 and 3 try first) and `kid` (libtrust key ID, which
 * 2.x looks up among rootcertbundle's keys when there is no x5c, as GitLab
 * sends it). `aud` is a single string: distribution 2.8 refuses an array.
 */
export function signRegistryToken(key: SigningKey, claims: RegistryTokenClaims): Promise<string> {
  const iat = Math.floor(claims.issuedAt.getTime() / 1000);
  const jwt = new SignJWT({ access: claims.access })
    .setProtectedHeader({ alg: key.algorithm, typ: 'JWT', kid: key.keyId, x5c: key.chain })
    .setIssuer(claims.issuer)
    .setAudience(claims.audience)
    .setIssuedAt(iat)
    // Registries allow 60 s of clock skew on nbf and exp themselves.
    .setNotBefore(iat)
    .setExpirationTime(iat + claims.lifetimeSeconds)
    .setJti(randomUUID());
  if (claims.subject !== null) jwt.setSubject(claims.subject);
  return jwt.sign(key.privateKey);
}
