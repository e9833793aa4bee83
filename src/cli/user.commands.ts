import type { Command } from 'commander';
import { UsageError, type WithSystem } from './cli-context.js';
import { CLI_ACTOR } from './cli-actor.js';
import { userNamed } from './cli-lookups.js';
import { promptNewPassword, readPasswordFromStdin } from './password-input.js';

interface CreateOptions {
  username: string;
  password?: string;
  passwordStdin: boolean;
  email?: string;
  name?: string;
  admin: boolean;
}

/**
 * The new account's password: `--password-stdin`, else `--password` (which
 * other local users can see in `ps`), else typed at the terminal.
 */
async function newPassword(opts: CreateOptions): Promise<string> {
  if (opts.passwordStdin && opts.password !== undefined) throw new UsageError('give --password or --password-stdin, not both');
  if (opts.passwordStdin) return readPasswordFromStdin(process.stdin);
  if (opts.password !== undefined) return opts.password;
  return typedPassword();
}

/** A password typed twice at the terminal, not echoed. */
function typedPassword(): Promise<string> {
  if (!process.stdin.isTTY) throw new UsageError('no password: use --password-stdin (or type it at a terminal)');
  return promptNewPassword({ input: process.stdin, prompt: process.stderr });
}

/** `gitgate user list|create|set-password|set-email|enable-2fa|block|unblock`. */
export function registerUserCommands(program: Command, withSystem: WithSystem): void {
  const user = program.command('user').description('manage accounts');
  user
    .command('list')
    .description('list every account')
    .action(() =>
      withSystem(async (s) => {
        const { users } = await s.users.list({});
        process.stdout.write('ID\tUSERNAME\tNAME\tEMAIL\tSTATE\tADMIN\t2FA\n');
        for (const u of users) {
          const flags = [u.isAdmin ? 'yes' : 'no', u.twoFactorEnabled ? 'on' : 'off'];
          process.stdout.write(`${u.id}\t${u.username}\t${u.name}\t${u.email}\t${u.state}\t${flags.join('\t')}\n`);
        }
      }),
    );
  user
    .command('create')
    .description('create an account')
    .requiredOption('--username <username>', 'login name (also the namespace)')
    .option('--password-stdin', 'read the password (at least 8 characters) from standard input', false)
    .option('--password <password>', 'the password on the command line: visible to other local users (ps); prefer --password-stdin')
    .option('--email <email>', 'e-mail address')
    .option('--name <name>', 'display name')
    .option('--admin', 'make the account an administrator', false)
    .addHelpText('after', '\nWithout --password-stdin or --password, the password is asked for at the terminal (not echoed).')
    .action(async (opts: CreateOptions) => {
      const password = await newPassword(opts);
      await withSystem(async (s) => {
        const created = await s.users.create({
          username: opts.username,
          password,
          isAdmin: opts.admin,
          ...(opts.email !== undefined ? { email: opts.email } : {}),
          ...(opts.name !== undefined ? { name: opts.name } : {}),
        });
        process.stdout.write(`Created user ${created.username} (id ${created.id})${created.isAdmin ? ', administrator' : ''}\n`);
      });
    });
  user
    .command('set-password <username>')
    .description("set an account's password (root's too): its web sessions end, and password sign-ins use the new one at once")
    .option('--password-stdin', 'read the new password (at least 8 characters) from standard input', false)
    .addHelpText('after', '\nWithout --password-stdin, the password is asked for twice at the terminal (not echoed).')
    .action(async (username: string, opts: { passwordStdin: boolean }) => {
      const password = opts.passwordStdin ? await readPasswordFromStdin(process.stdin) : await typedPassword();
      await withSystem(async (s) => {
        const account = await userNamed(s, username);
        await s.users.setPassword(account.id, password, CLI_ACTOR);
        process.stdout.write(`Set the password of ${account.username}; their web sessions have ended\n`);
      });
    });
  user
    .command('set-email <username> <email>')
    .description("set an account's e-mail address (root's too), where notices about its tokens go")
    .action((username: string, address: string) =>
      withSystem(async (s) => {
        const account = await userNamed(s, username);
        const updated = await s.users.setEmail(account.id, address);
        process.stdout.write(`Set the e-mail address of ${updated.username} to ${updated.email}\n`);
      }),
    );
  user
    .command('enable-2fa <username>')
    .description('turn on two-factor authentication; prints the otpauth URI and recovery codes')
    .action((username: string) =>
      withSystem(async (s) => {
        const account = await userNamed(s, username);
        const { secret, recoveryCodes } = await s.twoFactor.enableNow(account, CLI_ACTOR);
        process.stdout.write(`${s.twoFactor.otpauthUri(account, secret)}\n`);
        process.stdout.write(`Recovery codes (shown once):\n${recoveryCodes.map((c) => `  ${c}`).join('\n')}\n`);
      }),
    );
  for (const [name, verb] of [
    ['block', 'block'],
    ['unblock', 'unblock'],
  ] as const) {
    user
      .command(`${name} <username>`)
      .description(`${name} an account (its tokens ${name === 'block' ? 'stop' : 'resume'} working at once)`)
      .action((username: string) =>
        withSystem(async (s) => {
          const account = await userNamed(s, username);
          await s.users[verb](account.id, CLI_ACTOR);
          process.stdout.write(`${name === 'block' ? 'Blocked' : 'Unblocked'} ${account.username}\n`);
        }),
      );
  }
}
