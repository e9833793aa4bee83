/**
 * Typed failures shared by every layer. Services throw these; each surface
 * (git text, API JSON, HTML) maps them to a status and a body exactly once.
 */

/** The kinds of credential a sign-in checks. */
export type CredentialKind = 'password' | 'two_factor' | 'token' | 'ssh_key';

/**
 * What a refused credential was and whose, when the refusing code knows:
 * for the audit trail only — never part of an answer to the client.
 */
export interface RefusedCredential {
  kind?: CredentialKind;
  user?: { id: number; username: string };
  tokenId?: number;
}

/** Base class: `status` is the HTTP status the failure naturally maps to. */
export abstract class AppError extends Error {
  abstract readonly status: number;
  override readonly name: string = this.constructor.name;
  /** Set with `refusing` on a refused credential. */
  refused: RefusedCredential | null = null;
}

/**
 * Notes on `error` which credential it refuses (merged over what it noted
 * before); returns it, so `throw refusing(new UnauthorizedError('invalid'), { kind: 'password', user })`.
 */
export function refusing<E extends AppError>(error: E, refused: RefusedCredential): E {
  error.refused = { ...error.refused, ...refused };
  return error;
}

/** Why credentials were refused; surfaces choose their own wording from it. */
export type UnauthorizedReason =
  | 'missing'
  | 'invalid'
  | 'expired'
  | 'revoked'
  | 'blocked'
  | 'locked'
  | 'two_factor_required'
  /** A restricted token used from an address outside its allowlist; the message names the address. */
  | 'address';

/** No, unknown, or unusable credentials (401). */
export class UnauthorizedError extends AppError {
  readonly status = 401;
  constructor(
    readonly reason: UnauthorizedReason,
    message = 'Unauthorized',
  ) {
    super(message);
  }
}

/** Authenticated, but this action is not allowed (403). */
export class ForbiddenError extends AppError {
  readonly status = 403;
}

/** The token lacks every scope that would allow the action (403). */
export class InsufficientScopeError extends AppError {
  readonly status = 403;
  constructor(readonly required: readonly string[]) {
    super('The request requires higher privileges than provided by the access token.');
  }
}

/** Unknown resource, or one the principal may not know exists (404). */
export class NotFoundError extends AppError {
  readonly status = 404;
  constructor(readonly resource: string) {
    super(`${resource} Not Found`);
  }
}

/** Input that fails validation; `field` names the offending parameter (400). */
export class ValidationError extends AppError {
  readonly status = 400;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Well-formed input the server cannot act on, e.g. a string that is not a token of this instance (422). */
export class UnprocessableError extends AppError {
  readonly status = 422;
}

/** A uniqueness or state conflict, e.g. a username already taken (409). */
export class ConflictError extends AppError {
  readonly status = 409;
}

/** The client IP is banned after repeated failed authentication (403). */
export class BannedError extends AppError {
  readonly status = 403;
  constructor() {
    super('Too many failed authentication attempts from this IP');
  }
}

/** A dependency (database, git) is unavailable; never the client's fault (503). */
export class UnavailableError extends AppError {
  readonly status = 503;
}

/** Too much at once from this client (git operations, sign-in attempts in flight); retry later (429). */
export class TooManyRequestsError extends AppError {
  readonly status = 429;
  constructor(
    message: string,
    /** Seconds after which a retry may succeed (`Retry-After`). */
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** The server runs as many operations as it allows; retry later (503). */
export class OverloadedError extends UnavailableError {
  constructor(
    message: string,
    /** Seconds after which a retry may succeed (`Retry-After`). */
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** `found`, or null when it rejects with NotFoundError; any other failure (an outage) still rejects. */
export async function unlessNotFound<T>(found: Promise<T>): Promise<T | null> {
  try {
    return await found;
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    throw error;
  }
}
