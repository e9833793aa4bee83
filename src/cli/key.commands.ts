import type { Command } from 'commander';
import { DEFAULT_SSH_KEY_USAGE, isSshKeyUsage, SSH_KEY_USAGES } from '../ssh-keys/ssh-key.js';
import { isIsoDate } from '../lib/dates.js';
import { ValidationError } from '../lib/errors.js';
import { CLI_ACTOR } from './cli-actor.js';
import { UsageError, type WithSystem } from './cli-context.js';
import { orSay, userNamed } from './cli-lookups.js';

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** `YYYY-MM-DD` (midnight UTC) or an ISO 8601 date-time with a zone. */
function parseExpiry(value: string): Date {
  const at = isIsoDate(value) ? new Date(`${value}T00:00:00Z`) : DATE_TIME.test(value) ? new Date(value) : null;
  if (!at || Number.isNaN(at.getTime())) throw new UsageError(`--expires-at must be YYYY-MM-DD or an ISO date-time, got "${value}"`);
  return at;
}

/** Model-style validation messages ("is invalid") read better with their field in front. */
function withField(err: unknown): never {
  if (err instanceof ValidationError && !err.message.startsWith(`${err.field} `)) {
    throw new UsageError(`${err.field} ${err.message}`);
  }
  throw err;
}

/** `gitgate key add|list|remove`: SSH keys for Git over SSH. */
export function registerKeyCommands(program: Command, withSystem: WithSystem): void {
  const key = program.command('key').description('manage SSH keys for git over SSH');
  key
    .command('add')
    .description("register a user's SSH public key; prints its id and fingerprint")
    .requiredOption('--user <username>', 'owner of the key')
    .requiredOption('--title <title>', 'what the key is, e.g. laptop')
    .requiredOption('--key <public key>', "the OpenSSH public key line, e.g. \"$(cat ~/.ssh/id_ed25519.pub)\"")
    .option('--expires-at <date>', 'YYYY-MM-DD or ISO date-time; the key stops working then')
    .option('--usage-type <usage>', SSH_KEY_USAGES.join('|'), DEFAULT_SSH_KEY_USAGE)
    .action((opts: { user: string; title: string; key: string; expiresAt?: string; usageType: string }) => {
      const expiresAt = opts.expiresAt === undefined ? null : parseExpiry(opts.expiresAt);
      const usageType = opts.usageType;
      if (!isSshKeyUsage(usageType)) throw new UsageError(`--usage-type must be one of ${SSH_KEY_USAGES.join(', ')}, got "${usageType}"`);
      return withSystem(async (s) => {
        const owner = await userNamed(s, opts.user);
        const added = await s.sshKeys
          .add(CLI_ACTOR, owner.id, { title: opts.title, key: opts.key, expiresAt, usageType })
          .catch(withField);
        process.stdout.write(`id: ${added.id}\nfingerprint: ${added.fingerprint}\n`);
      });
    });
  key
    .command('list')
    .description("list a user's SSH keys")
    .requiredOption('--user <username>', 'owner of the keys')
    .action((opts: { user: string }) =>
      withSystem(async (s) => {
        const owner = await userNamed(s, opts.user);
        const { keys } = await s.sshKeys.list(owner.id);
        process.stdout.write('ID\tTITLE\tFINGERPRINT\tTYPE\tUSAGE\tEXPIRES\tLAST USED\n');
        for (const k of keys) {
          const expires = k.expiresAt ? `${k.expiresAt.toISOString()}${s.sshKeys.isExpired(k) ? ' (expired)' : ''}` : 'never';
          const used = k.lastUsedAt ? k.lastUsedAt.toISOString() : 'never';
          process.stdout.write(`${k.id}\t${k.title}\t${k.fingerprint}\t${k.key.split(' ', 1)[0]}\t${k.usageType}\t${expires}\t${used}\n`);
        }
      }),
    );
  key
    .command('remove <id>')
    .description('remove an SSH key; new connections with it are refused at once')
    .action((id: string) => {
      if (!/^\d+$/.test(id)) throw new UsageError(`key id must be a number, got "${id}"`);
      return withSystem(async (s) => {
        const found = await orSay(s.sshKeys.getById(CLI_ACTOR, Number(id)), `no SSH key with id ${id}`);
        await s.sshKeys.remove(CLI_ACTOR, found.userId, found.id);
        process.stdout.write(`Removed key ${id}\n`);
      });
    });
}
