/**
 * Per-request API facts kept in `res.locals`: the credentials extraction
 * found, then the authentication outcome every handler reads.
 */
import type { Response } from 'express';
import type { Principal } from '../../identity/principal.js';
import type { TokenAuthRecord } from '../../tokens/token-lookup.js';

/** What the request carried, before anything is verified. Never logged. */
export interface ApiCredentials {
  /** A personal access token from `private_token`, `PRIVATE-TOKEN` or `Authorization: Bearer`. */
  token: string | null;
  /** The `sudo` parameter or `Sudo` header: a user id or username. */
  sudo: string | null;
}

/** The outcome of authentication, as handlers see it. */
export interface ApiAuth {
  /** The effective caller: the sudo target when sudo was used. */
  principal: Principal;
  /** The presented token's record, when a token authenticated the request. */
  token: TokenAuthRecord | null;
  /** True when an administrator acts as another user. */
  sudo: boolean;
}

interface ApiLocals {
  apiCredentials?: ApiCredentials;
  apiAuth?: ApiAuth;
}

/** The API's slots in `res.locals`. */
export function apiLocals(res: Response): ApiLocals {
  return res.locals as ApiLocals;
}
