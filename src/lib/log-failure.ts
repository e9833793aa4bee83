/**
 * How every surface logs a request it could not serve: a dependency that is
 * down (UnavailableError: the database, a refused git run) is an outage,
 * logged at warn without a stack trace, once per request — the outage
 * itself is what operators need to see, not thousands of identical traces;
 * anything else is a bug, logged at error with its stack.
 */
import type { Logger } from 'pino';
import { UnavailableError } from './errors.js';

/** Logs `err` for one failed request, with `fields` (never secrets) and `message`. */
export function logFailure(logger: Logger, err: unknown, fields: Record<string, unknown>, message: string): void {
  if (err instanceof UnavailableError) logger.warn({ ...fields, reason: err.message }, message);
  else logger.error({ ...fields, err }, message);
}
