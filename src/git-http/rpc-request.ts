/**
 * Checks on the POST of a stateless-RPC exchange made before authorization:
 * they depend on the request alone, so they reveal nothing about repositories.
 */
import type { Request } from 'express';
import type { GitService } from '../identity/git-service.js';
import { answer, type GitTextAnswer } from './git-errors.js';
import type { GitAdmission } from './git-request.js';

/** A stateless-RPC POST that may be fed to git: its service and its body's encoding. */
export interface RpcAdmission extends GitAdmission {
  /** The body is gzip encoded. */
  gzip: boolean;
}

/**
 * The admission when the request may be fed to git, else the answer to send:
 * 415 unless Content-Type is `application/x-git-<service>-request` and the
 * body is plain or gzip (`x-gzip`, as git http-backend accepts) encoded.
 */
export function checkRpcRequest(req: Request, service: GitService): RpcAdmission | GitTextAnswer {
  const expected = `application/x-${service}-request`;
  const mediaType = (req.get('content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (mediaType !== expected) return answer(415, `Unsupported Media Type: expected ${expected}`);
  const encoding = (req.get('content-encoding') ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return { service, gzip: false };
  if (encoding === 'gzip' || encoding === 'x-gzip') return { service, gzip: true };
  return answer(415, 'Unsupported Media Type: Content-Encoding must be gzip or none');
}
