import { NotFoundError } from '../../lib/errors.js';
import { MAX_ID } from './params.js';

/**
 * The `:id` of a project route: a numeric id, or the URL-encoded
 * `namespace%2Fproject` path (Express has decoded it to `namespace/project`).
 * Anything else names no project.
 */
export function projectRef(value: string | undefined): number | string {
  if (value !== undefined && /^\d{1,10}$/.test(value) && Number(value) <= MAX_ID) return Number(value);
  if (value !== undefined && value.includes('/')) return value;
  throw new NotFoundError('404 Project');
}
