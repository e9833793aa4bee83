/**
 * `bin/gitgate`: the server and the administration commands, against the
 * same configuration (environment) as the server, with it running or not.
 * Bad arguments print one line and exit 2; a configuration or installation
 * that cannot be used prints what to fix and exits 1. Only `serve` creates
 * an installation; the commands refuse to start a second, empty one.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig, type Config } from '../config/config.js';
import { AppError, NotFoundError } from '../lib/errors.js';
import { StartupError } from '../lib/startup-error.js';
import { serve, type Compose } from '../serve.js';
import { dataLocation } from '../startup-failures.js';
import { EXIT_USAGE, MissingError, UsageError, type WithSystem } from './cli-context.js';
import { registerInstallationCommands } from './installation.commands.js';
import { registerKeyCommands } from './key.commands.js';
import { registerMemberCommands } from './member.commands.js';
import { registerProjectCommands } from './project.commands.js';
import { registerRegistryCommands } from './registry.commands.js';
import { registerTokenCommands } from './token.commands.js';
import { registerUserCommands } from './user.commands.js';
import { PACKAGE_VERSION } from '../lib/package-version.js';

/**
 * Parses `argv` (without node and script), runs the command and resolves
 * to the exit status. `compose` builds the system from the configuration,
 * which is read only when a command runs (so `--help` works whatever the
 * environment holds). Rejects with a StartupError (or any unexpected
 * error) for the caller to report and exit 1.
 */
export async function runCli(argv: string[], compose: Compose): Promise<number> {
  let location: string | null = null;
  const config = (): Config => {
    const loaded = loadConfig();
    location = dataLocation(loaded);
    return loaded;
  };
  const withSystem: WithSystem = async (action) => {
    const system = await compose(config(), { createData: false });
    try {
      await action(system);
    } finally {
      await system.close();
    }
  };
  const program = new Command('gitgate')
    .description('Git smart HTTP gateway with GitLab-style personal access tokens')
    .version(PACKAGE_VERSION, '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(`gitgate: ${str.replace(/^error: /, '').trim()}\n`) })
    .showSuggestionAfterError(false);
  program
    .command('serve')
    .description('serve git over HTTP and SSH (what npm start runs)')
    .addHelpText(
      'after',
      '\nSettings come from the environment (PORT, HOST, DATABASE_URL, REDIS_URL, GITGATE_*);\n' +
        'every one, with its default, is in README.md, section "Configuration".',
    )
    .action(() => serve(config(), compose));
  registerUserCommands(program, withSystem);
  registerTokenCommands(program, withSystem);
  registerProjectCommands(program, withSystem);
  registerMemberCommands(program, withSystem);
  registerKeyCommands(program, withSystem);
  registerRegistryCommands(program, withSystem);
  registerInstallationCommands(program, withSystem);
  for (const cmd of program.commands) cmd.exitOverride();

  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`gitgate: ${err.message}\n`);
      return 1;
    }
    // The caller reports it: its line on stderr, and a fatal line where the log goes.
    if (err instanceof StartupError) throw err;
    if ((err instanceof NotFoundError || err instanceof MissingError) && location) {
      // The usual cause: another installation than the server's (GITGATE_DATA_DIR, DATABASE_URL).
      process.stderr.write(`gitgate: ${err.message} (${location})\n`);
      return EXIT_USAGE;
    }
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (err instanceof UsageError || (err instanceof AppError && err.status < 500)) {
      process.stderr.write(`gitgate: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
}
