/**
 * The contract between the route table and the verb handlers. A route
 * declares its methods and the checks made before authorization; the route
 * table authorizes; a handler is called only with the resulting GitGrant, so
 * no handler can serve a repository it was not granted.
 */
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { GitGrant } from '../auth/git-authorization.js';
import type { GitService } from '../identity/git-service.js';
import type { GitTextAnswer } from './git-errors.js';
import type { GitProcessContext } from './http-exchange.js';
import type { GitAnswerCache } from '../git/git-answer-cache.js';
import type { FetchResponseCache } from '../git/fetch-cache/fetch-response-cache.js';
import type { GitOutcome } from '../git/operation-outcomes.js';
import type { RepositoryPushes } from '../git/repository-pushes.js';

/** Dependencies of the verb handlers. */
export interface GitHandlerContext {
  logger: Logger;
  process: GitProcessContext;
  /** Ref advertisements (info/refs, v2 ls-refs) reused instead of running git. */
  answers: GitAnswerCache;
  /** Clone answers shared and reused; null when disabled. */
  fetches: FetchResponseCache | null;
  /** Where pushes are registered while receive-pack runs (housekeeping waits for them); absent: nowhere. */
  pushes?: RepositoryPushes;
}

/**
 * What a route's checks found before authorization: the service the request
 * asks for (the one authorized), plus whatever else its handler needs.
 */
export interface GitAdmission {
  service: GitService;
}

/**
 * A verb handler: serves a request the route table has authorized for
 * `admission.service` on the repository of `grant`. It answers the request
 * completely, never rejects, and resolves to how the operation ended.
 */
export type GitHandler<A extends GitAdmission = GitAdmission> = (
  req: Request,
  res: Response,
  grant: GitGrant,
  admission: A,
) => Promise<GitOutcome>;

/** One line of the route table. */
export interface GitRoute<A extends GitAdmission> {
  /** Methods served; any other is answered 405 with `Allow`. */
  methods: readonly string[];
  /**
   * Checks on the request alone, made before authorization (so they reveal
   * nothing about repositories): the admission, or the answer that ends the
   * request.
   */
  admit: (req: Request) => A | GitTextAnswer;
  /** Called only through authorizedRoute, once `admit`'s service is authorized. */
  handler: GitHandler<A>;
}
