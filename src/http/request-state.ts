import type { Response } from 'express';
import type { Principal } from '../identity/principal.js';

/** Per-request facts gathered by handlers for the access log. */
export interface RequestState {
  requestId: string;
  principal?: Principal;
  repo?: string;
  service?: string;
}

/** The request's state, kept in `res.locals`. */
export function requestState(res: Response): RequestState {
  return res.locals as RequestState;
}
