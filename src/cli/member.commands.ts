import type { Command } from 'commander';
import { unlessNotFound } from '../lib/errors.js';
import { AccessLevel } from '../identity/access-level.js';
import { CLI_ACTOR } from './cli-actor.js';
import { splitProjectPath } from './project.commands.js';
import { UsageError, type WithSystem } from './cli-context.js';
import { orSay, projectAt, userNamed } from './cli-lookups.js';

const LEVELS = ['guest', 'reporter', 'developer', 'maintainer', 'owner'] as const;

/** The name of a numeric access level (`30` → `developer`). */
function levelName(level: number): string {
  return LEVELS.find((name) => AccessLevel[name] === level) ?? String(level);
}

/** `gitgate member list|add|remove`. */
export function registerMemberCommands(program: Command, withSystem: WithSystem): void {
  const member = program.command('member').description('manage project members');
  member
    .command('list <namespace/name>')
    .description("list a project's members and their access")
    .action((target: string) => {
      const { namespace, path } = splitProjectPath(target);
      return withSystem(async (s) => {
        const project = await projectAt(s, `${namespace}/${path}`);
        const { members } = await s.projects.listMembers(CLI_ACTOR, project.id);
        const users = new Map((await s.users.getMany(members.map((m) => m.userId))).map((u) => [u.id, u]));
        process.stdout.write('USERNAME\tACCESS\tSINCE\n');
        for (const m of members) {
          const name = users.get(m.userId)?.username ?? `(user ${m.userId})`;
          process.stdout.write(`${name}\t${levelName(m.accessLevel)}\t${m.createdAt.toISOString()}\n`);
        }
      });
    });
  member
    .command('add <namespace/name> <username>')
    .description('give a user access to a project (or change it)')
    .requiredOption('--access <level>', LEVELS.join('|'))
    .action((target: string, username: string, opts: { access: string }) => {
      const { namespace, path } = splitProjectPath(target);
      const level = (LEVELS as readonly string[]).includes(opts.access) ? AccessLevel[opts.access as (typeof LEVELS)[number]] : null;
      if (level === null) throw new UsageError(`--access must be one of ${LEVELS.join(', ')}, got "${opts.access}"`);
      return withSystem(async (s) => {
        const user = await userNamed(s, username);
        const project = await projectAt(s, `${namespace}/${path}`);
        const existing = await unlessNotFound(s.projects.getMember(CLI_ACTOR, project.id, user.id));
        await s.projects.setMember(CLI_ACTOR, project.id, user.id, level, existing ? 'update' : 'add');
        process.stdout.write(`${user.username} is now ${opts.access} of ${project.namespace}/${project.path}\n`);
      });
    });
  member
    .command('remove <namespace/name> <username>')
    .description("remove a user's membership; their git access ends on the next request")
    .action((target: string, username: string) => {
      const { namespace, path } = splitProjectPath(target);
      return withSystem(async (s) => {
        const user = await userNamed(s, username);
        const project = await projectAt(s, `${namespace}/${path}`);
        const ref = `${project.namespace}/${project.path}`;
        await orSay(s.projects.removeMember(CLI_ACTOR, project.id, user.id), `${user.username} is not a member of ${ref}`);
        process.stdout.write(`Removed ${user.username} from ${ref}\n`);
      });
    });
}
