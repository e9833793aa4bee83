import type { Command } from 'commander';
import { unlessNotFound } from '../lib/errors.js';
import { AccessLevel } from '../identity/access-level.js';
import { CLI_ACTOR } from './cli-actor.js';
import { splitProjectPath } from './project.commands.js';
import { UsageError, type WithSystem } from './cli-context.js';

const LEVELS = ['guest', 'reporter', 'developer', 'maintainer', 'owner'] as const;

/** `gitgate member add`. */
export function registerMemberCommands(program: Command, withSystem: WithSystem): void {
  const member = program.command('member').description('manage project members');
  member
    .command('add <namespace/name> <username>')
    .description('give a user access to a project (or change it)')
    .requiredOption('--access <level>', LEVELS.join('|'))
    .action((target: string, username: string, opts: { access: string }) => {
      const { namespace, path } = splitProjectPath(target);
      const level = (LEVELS as readonly string[]).includes(opts.access) ? AccessLevel[opts.access as (typeof LEVELS)[number]] : null;
      if (level === null) throw new UsageError(`--access must be one of ${LEVELS.join(', ')}, got "${opts.access}"`);
      return withSystem(async (s) => {
        const user = await s.users.getByUsername(username);
        const ref = `${namespace}/${path}`;
        const existing = await unlessNotFound(s.projects.getMember(CLI_ACTOR, ref, user.id));
        await s.projects.setMember(CLI_ACTOR, ref, user.id, level, existing ? 'update' : 'add');
        process.stdout.write(`${user.username} is now ${opts.access} of ${ref}\n`);
      });
    });
}
