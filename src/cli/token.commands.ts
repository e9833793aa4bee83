import type { TokenRestrictions } from '../identity/token-restrictions.js';
import type { Command } from 'commander';
import { CLI_ACTOR } from './cli-actor.js';
import type { WithSystem } from './cli-context.js';
import { UsageError } from './cli-context.js';
import { tokenId, tokenWithId, userNamed } from './cli-lookups.js';
import { actOnTokenInput, describeToken } from './token-input.js';

/** `gitgate token create|list|identify|revoke|rotate`. */
export function registerTokenCommands(program: Command, withSystem: WithSystem): void {
  const token = program.command('token').description('manage personal access tokens');
  token
    .command('create')
    .description("create a token; prints its id, then the token (shown once)")
    .requiredOption('--user <username>', 'owner of the token')
    .requiredOption('--name <name>', 'what the token is for')
    .requiredOption('--scopes <scopes>', 'comma-separated scopes, e.g. read_repository,write_repository')
    .option('--expires-at <date>', 'YYYY-MM-DD; the token stops at 00:00 UTC of that date')
    .option('--description <text>', 'longer description')
    .option('--projects <list>', 'limit to these projects: comma-separated ids or full paths (alice/website)')
    .option('--namespaces <list>', 'limit to the projects of these namespaces (comma-separated), also later ones')
    .option('--allowed-ips <list>', 'usable only from these addresses or CIDRs (comma-separated)')
    .option('--push-refs <list>', 'pushes may update only refs matching these patterns (comma-separated, e.g. refs/heads/bot/*)')
    .option('--no-force-push', 'refuse non-fast-forward updates')
    .option('--no-ref-deletion', 'refuse deleting refs')
    .action((opts: CreateOptions) =>
      withSystem(async (s) => {
        const owner = await userNamed(s, opts.user);
        const issued = await s.tokens.create(CLI_ACTOR, owner.id, {
          name: opts.name,
          scopes: opts.scopes,
          expiresAt: opts.expiresAt ?? null,
          description: opts.description ?? null,
          restrictions: {
            projects: commaList(opts.projects),
            namespaces: commaList(opts.namespaces),
            allowedIps: commaList(opts.allowedIps),
            pushRefs: commaList(opts.pushRefs),
            allowForcePush: opts.forcePush,
            allowRefDeletion: opts.refDeletion,
          },
        });
        process.stdout.write(`id: ${issued.token.id}\ntoken: ${issued.plaintext}\n`);
      }),
    );
  token
    .command('list')
    .description("list a user's tokens (never the tokens themselves)")
    .requiredOption('--user <username>', 'owner of the tokens')
    .action((opts: { user: string }) =>
      withSystem(async (s) => {
        const owner = await userNamed(s, opts.user);
        const { tokens } = await s.tokens.list(CLI_ACTOR, { userId: owner.id, sort: 'created_asc' });
        process.stdout.write('ID\tNAME\tSCOPES\tSTATE\tEXPIRES\tLAST USED\tLIMITS\n');
        for (const t of tokens) {
          const state = t.revoked ? 'revoked' : s.tokens.isExpired(t) ? 'expired' : 'active';
          const used = t.lastUsedAt ? t.lastUsedAt.toISOString() : 'never';
          process.stdout.write(`${t.id}\t${t.name}\t${t.scopes.join(',')}\t${state}\t${t.expiresAt ?? 'never'}\t${used}\t${limits(t.restrictions)}\n`);
        }
      }),
    );
  token
    .command('identify')
    .description('say what a token is and whose: the token is read from standard input (never give it as an argument)')
    .addHelpText('after', '\nExample: gitgate token identify < leaked.txt   (at a terminal it is asked for, not echoed)')
    .action(() =>
      withSystem(async (s) => {
        process.stdout.write(`${describeToken(s, await actOnTokenInput(s, 'identify'))}\n`);
      }),
    );
  token
    .command('revoke [id]')
    .description('revoke a token, by id or (--token-stdin) by its value; it stops working on the next request and its owner is told by e-mail')
    .option('--token-stdin', 'read the token itself from standard input instead of giving an id', false)
    .action((id: string | undefined, opts: { tokenStdin: boolean }) => {
      if (opts.tokenStdin === (id !== undefined)) throw new UsageError('give a token id or --token-stdin, one of them');
      if (id === undefined) {
        return withSystem(async (s) => {
          const { token: revoked, owner } = await actOnTokenInput(s, 'revoke');
          process.stdout.write(`Revoked token ${revoked.id} (${revoked.name}) of ${owner.username}\n`);
        });
      }
      const tokenNumber = tokenId(id);
      return withSystem(async (s) => {
        await tokenWithId(s, tokenNumber);
        await s.tokens.revoke(CLI_ACTOR, tokenNumber);
        process.stdout.write(`Revoked token ${tokenNumber}\n`);
      });
    });
  token
    .command('rotate <id>')
    .description('revoke a token and issue its successor (same name and scopes); prints the new id, then the token (shown once)')
    .option('--expires-at <date>', 'YYYY-MM-DD for the new token (default: one week from today)')
    .action((id: string, opts: { expiresAt?: string }) => {
      const tokenNumber = tokenId(id);
      return withSystem(async (s) => {
        await tokenWithId(s, tokenNumber);
        const issued = await s.tokens.rotate(CLI_ACTOR, tokenNumber, opts.expiresAt ?? null);
        process.stdout.write(`id: ${issued.token.id}\ntoken: ${issued.plaintext}\n`);
      });
    });
}

interface CreateOptions {
  user: string;
  name: string;
  scopes: string;
  expiresAt?: string;
  description?: string;
  projects?: string;
  namespaces?: string;
  allowedIps?: string;
  pushRefs?: string;
  /** Commander's `--no-force-push`: true unless given. */
  forcePush: boolean;
  refDeletion: boolean;
}

/** A comma-separated option as a list; null when the option was not given. */
function commaList(value: string | undefined): string[] | null {
  return value === undefined ? null : value.split(',').map((v) => v.trim()).filter((v) => v.length > 0);
}

/** A token's restrictions in one column (`-` when it has none). */
function limits(r: TokenRestrictions): string {
  const parts = [
    r.projects && `projects=${r.projects.join(',')}`,
    r.namespaces && `namespaces=${r.namespaces.join(',')}`,
    r.allowedIps && `ips=${r.allowedIps.join(',')}`,
    r.pushRefs && `push=${r.pushRefs.join(',')}`,
    !r.allowForcePush && 'no-force-push',
    !r.allowRefDeletion && 'no-ref-deletion',
  ].filter((p): p is string => typeof p === 'string');
  return parts.length > 0 ? parts.join(';') : '-';
}
