import type { Command } from 'commander';
import { CLI_ACTOR } from './cli-actor.js';
import { UsageError, type WithSystem } from './cli-context.js';
import { projectAt, userNamed } from './cli-lookups.js';

/** Splits `namespace/name`; UsageError otherwise. */
export function splitProjectPath(value: string): { namespace: string; path: string } {
  const m = /^([^/]+)\/([^/]+)$/.exec(value);
  if (!m) throw new UsageError(`expected NAMESPACE/NAME, got "${value}"`);
  return { namespace: m[1]!, path: m[2]!.replace(/\.git$/, '') };
}

/** `gitgate project list|create|delete`. */
export function registerProjectCommands(program: Command, withSystem: WithSystem): void {
  const project = program.command('project').description('manage projects');
  project
    .command('list')
    .description('list every project')
    .action(() =>
      withSystem(async (s) => {
        const { projects } = await s.projects.list(CLI_ACTOR, {});
        process.stdout.write('ID\tPATH\tVISIBILITY\tCREATED\n');
        for (const { project: p } of projects) {
          process.stdout.write(`${p.id}\t${p.namespace}/${p.path}\t${p.visibility}\t${p.createdAt.toISOString()}\n`);
        }
      }),
    );
  project
    .command('create <namespace/name>')
    .description("create a project and its empty repository in a user's namespace")
    .option('--visibility <visibility>', 'private, internal or public', 'private')
    .action((target: string, opts: { visibility: string }) => {
      const { namespace, path } = splitProjectPath(target);
      return withSystem(async (s) => {
        // The namespace owner creates it, so the project has a real creator.
        const owner = await userNamed(s, namespace);
        const actor = { id: owner.id, username: owner.username, isAdmin: owner.isAdmin };
        const created = await s.projects.create(actor, { path, visibility: opts.visibility });
        process.stdout.write(
          `Created ${created.visibility} project ${created.namespace}/${created.path} (id ${created.id})\n` +
            `${s.config.externalUrl}/${created.namespace}/${created.path}.git\n`,
        );
      });
    });
  project
    .command('delete <namespace/name>')
    .description('delete a project, its members and its repository on disk (cannot be undone)')
    .option('--yes', 'really delete it', false)
    .action((target: string, opts: { yes: boolean }) => {
      const { namespace, path } = splitProjectPath(target);
      const ref = `${namespace}/${path}`;
      if (!opts.yes) throw new UsageError(`deleting ${ref} removes its repository for good; add --yes to do it`);
      return withSystem(async (s) => {
        const found = await projectAt(s, ref);
        await s.projects.delete(CLI_ACTOR, found.id);
        process.stdout.write(`Deleted project ${found.namespace}/${found.path} and its repository\n`);
      });
    });
}
