/**
 * The token an administrator asks about or revokes (`token identify`,
 * `token revoke --token-stdin`): read from standard input only, never from
 * the command line, where every local user can read it (`ps`,
 * `/proc/<pid>/cmdline`) and shells keep it in their history.
 */
import { UnprocessableError } from '../lib/errors.js';
import type { System } from '../system.js';
import type { IdentifiedToken } from '../tokens/token-information.js';
import { CLI_ACTOR } from './cli-actor.js';
import { UsageError } from './cli-context.js';
import { orSay } from './cli-lookups.js';
import { promptHidden, readPasswordFromStdin } from './password-input.js';

/** Piped standard input (surrounding whitespace dropped), or typed at a prompt that does not echo. */
export async function readTokenInput(input: NodeJS.ReadStream = process.stdin): Promise<string> {
  const text = input.isTTY ? await promptHidden({ input, prompt: process.stderr }, 'Token: ', 'token') : await readPasswordFromStdin(input);
  const token = text.trim();
  if (token === '') throw new UsageError('no token on standard input');
  return token;
}

/**
 * Identifies or revokes, as the CLI's administrator, the token read from
 * standard input; what TokenInformation refuses, in the CLI's words.
 */
export async function actOnTokenInput(s: System, action: 'identify' | 'revoke'): Promise<IdentifiedToken> {
  const token = await readTokenInput();
  try {
    return await orSay(s.tokenInformation[action](CLI_ACTOR, token), 'no token with that value');
  } catch (err) {
    if (err instanceof UnprocessableError) throw new UsageError('that is not a token of this instance (its prefix, length or checksum)');
    throw err;
  }
}

/** `token identify`'s lines: what the token is and whose, never the token itself. */
export function describeToken(s: System, { token, owner }: IdentifiedToken): string {
  const state = token.revoked ? 'revoked' : s.tokens.isExpired(token) ? 'expired' : 'active';
  return [
    `id: ${token.id}`,
    `name: ${token.name}`,
    `owner: ${owner.username} (id ${owner.id}, ${owner.email})`,
    `state: ${state}`,
    `scopes: ${token.scopes.join(',')}`,
    `expires: ${token.expiresAt ?? 'never'}`,
    `created: ${token.createdAt.toISOString()}`,
    `last used: ${token.lastUsedAt ? `${token.lastUsedAt.toISOString()} from ${token.lastUsedIps.join(', ')}` : 'never'}`,
  ].join('\n');
}
