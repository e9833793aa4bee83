import type { Command } from 'commander';
import type { WithSystem } from './cli-context.js';

/** `gitgate user create|enable-2fa|block|unblock`. */
export function registerUserCommands(program: Command, withSystem: WithSystem): void {
  const user = program.command('user').description('manage accounts');
  user
    .command('create')
    .description('create an account')
    .requiredOption('--username <username>', 'login name (also the namespace)')
    .requiredOption('--password <password>', 'account password (at least 8 characters)')
    .option('--email <email>', 'e-mail address')
    .option('--name <name>', 'display name')
    .option('--admin', 'make the account an administrator', false)
    .action((opts: { username: string; password: string; email?: string; name?: string; admin: boolean }) =>
      withSystem(async (s) => {
        const created = await s.users.create({ ...opts, isAdmin: opts.admin });
        process.stdout.write(`Created user ${created.username} (id ${created.id})${created.isAdmin ? ', administrator' : ''}\n`);
      }),
    );
  user
    .command('enable-2fa <username>')
    .description('turn on two-factor authentication; prints the otpauth URI and recovery codes')
    .action((username: string) =>
      withSystem(async (s) => {
        const account = await s.users.getByUsername(username);
        const { secret, recoveryCodes } = await s.twoFactor.enableNow(account);
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
          const account = await s.users.getByUsername(username);
          await s.users[verb](account.id);
          process.stdout.write(`${name === 'block' ? 'Blocked' : 'Unblocked'} ${account.username}\n`);
        }),
      );
  }
}
