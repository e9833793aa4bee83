/**
 * Looking up what a command names, with refusals in the CLI's own words
 * ("no user named alice") instead of the API's ("404 User").
 */
import { NotFoundError } from '../lib/errors.js';
import type { Project } from '../projects/project.js';
import type { System } from '../system.js';
import type { PersonalAccessToken } from '../tokens/token.js';
import type { User } from '../users/user.js';
import { CLI_ACTOR } from './cli-actor.js';
import { MissingError, UsageError } from './cli-context.js';

/** `promise`'s value; a NotFoundError becomes a MissingError saying `missing`. */
export async function orSay<T>(promise: Promise<T>, missing: string): Promise<T> {
  try {
    return await promise;
  } catch (err) {
    if (err instanceof NotFoundError) throw new MissingError(missing);
    throw err;
  }
}

/** The account called `username` (case-insensitive). */
export function userNamed(s: System, username: string): Promise<User> {
  return orSay(s.users.getByUsername(username), `no user named ${username}`);
}

/** The project at `namespace/name`. */
export async function projectAt(s: System, ref: string): Promise<Project> {
  return (await orSay(s.projects.get(CLI_ACTOR, ref), `no project ${ref}`)).project;
}

/** The token with this id. */
export function tokenWithId(s: System, id: number): Promise<PersonalAccessToken> {
  return orSay(s.tokens.get(CLI_ACTOR, id), `no token with id ${id}`);
}

/**
 * A token id argument: a positive integer, else a UsageError — which never
 * repeats the argument: it may be a token given where its id belongs.
 */
export function tokenId(value: string): number {
  if (!/^[1-9]\d{0,9}$/.test(value)) throw new UsageError('token id must be a number (a token itself is read from standard input: --token-stdin)');
  return Number(value);
}
