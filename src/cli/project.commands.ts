import type { Command } from 'commander';
import { ConflictError } from '../lib/errors.js';
import { CLI_ACTOR } from './cli-actor.js';
import { UsageError, type WithSystem } from './cli-context.js';
import { projectAt, userNamed } from './cli-lookups.js';

/** Splits `namespace/name`; UsageError otherwise. */
export function splitProjectPath(value: string): { namespace: string; path: string } {
  const m = /^([^/]+)\/([^/]+)$/.exec(value);
  if (!m) throw new UsageError(`expected NAMESPACE/NAME, got "${value}"`);
  return { namespace: m[1]!, path: m[2]!.replace(/\.git$/, '') };
}

/** `gitgate project list|create|delete|housekeeping`. */
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
  project
    .command('housekeeping <namespace/name>')
    .description("repack the project's repository now (full run: one pack with a bitmap, a commit-graph, packed refs) and wait for it")
    .action((target: string) => {
      const { namespace, path } = splitProjectPath(target);
      const ref = `${namespace}/${path}`;
      return withSystem(async (s) => {
        const result = await s.housekeeping.runNow(CLI_ACTOR, ref);
        if (result.status === 'failed') throw result.error;
        if (result.status === 'busy') throw new ConflictError(`housekeeping of ${ref} is running elsewhere; it was not started again`);
        if (result.status === 'waiting') {
          const why = result.reason === 'push' ? 'a push to it is under way' : 'as many housekeeping runs as GITGATE_HOUSEKEEPING_CONCURRENCY allows are running';
          throw new ConflictError(`housekeeping of ${ref} did not start: ${why}; try again shortly`);
        }
        const { before, after, durationMs } = result.report;
        process.stdout.write(
          `Housekept ${ref}: ${counted(before)} → ${counted(after)} in ${(durationMs / 1000).toFixed(1)} s\n`,
        );
      });
    });
}

function counted(c: { packs: number; looseObjects: number }): string {
  return `${c.packs} pack${c.packs === 1 ? '' : 's'}, ${c.looseObjects} loose object${c.looseObjects === 1 ? '' : 's'}`;
}
