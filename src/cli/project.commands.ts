import type { Command } from 'commander';
import { UsageError, type WithSystem } from './cli-context.js';

/** Splits `namespace/name`; UsageError otherwise. */
export function splitProjectPath(value: string): { namespace: string; path: string } {
  const m = /^([^/]+)\/([^/]+)$/.exec(value);
  if (!m) throw new UsageError(`expected NAMESPACE/NAME, got "${value}"`);
  return { namespace: m[1]!, path: m[2]!.replace(/\.git$/, '') };
}

/** `gitgate project create`. */
export function registerProjectCommands(program: Command, withSystem: WithSystem): void {
  const project = program.command('project').description('manage projects');
  project
    .command('create <namespace/name>')
    .description("create a project and its empty repository in a user's namespace")
    .option('--visibility <visibility>', 'private, internal or public', 'private')
    .action((target: string, opts: { visibility: string }) => {
      const { namespace, path } = splitProjectPath(target);
      return withSystem(async (s) => {
        // The namespace owner creates it, so the project has a real creator.
        const owner = await s.users.getByUsername(namespace);
        const actor = { id: owner.id, username: owner.username, isAdmin: owner.isAdmin };
        const created = await s.projects.create(actor, { path, visibility: opts.visibility });
        process.stdout.write(
          `Created ${created.visibility} project ${created.namespace}/${created.path} (id ${created.id})\n` +
            `${s.config.externalUrl}/${created.namespace}/${created.path}.git\n`,
        );
      });
    });
}
