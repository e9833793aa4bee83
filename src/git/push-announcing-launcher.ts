/**
 * The launcher both git edges start git with, wrapped so that a push is
 * announced (RefUpdates.announce) once `git receive-pack` finished sending
 * its answer and before the client sees its end: git updates the refs
 * before it writes the report, so when its output ends the refs are in
 * place, and a client's next request — on any instance — comes after every
 * instance was told.
 */
import { PassThrough } from 'node:stream';
import { spawnDirect, type GitChild, type GitCommand, type GitLauncher } from './git-child.js';
import type { RefUpdates } from './ref-updates.js';

/** `launcher` (absent: git spawned directly) with every ref-changing receive-pack announced through `updates`. */
export function announcingPushes(launcher: GitLauncher | undefined, updates: RefUpdates): GitLauncher {
  const launch = (command: GitCommand): GitChild => (launcher ? launcher.launch(command) : spawnDirect(command));
  return {
    launch(command) {
      const child = launch(command);
      return changesRefs(command.args) ? announced(child, command.cwd, updates) : child;
    },
  };
}

/** receive-pack, but not its ref advertisement; `-c name=value` options before the verb are skipped. */
function changesRefs(args: readonly string[]): boolean {
  let i = 0;
  while (args[i] === '-c') i += 2;
  return args[i] === 'receive-pack' && !args.includes('--advertise-refs');
}

function announced(child: GitChild, repoPath: string, updates: RefUpdates): GitChild {
  let announcement: Promise<void> | null = null;
  const announceOnce = (): Promise<void> => (announcement ??= updates.announce(repoPath));
  const stdout = new PassThrough();
  child.stdout.on('error', (err) => stdout.destroy(err));
  child.stdout.on('end', () =>
    void announceOnce().then(() => {
      if (!stdout.destroyed) stdout.end();
    }),
  );
  child.stdout.pipe(stdout, { end: false });
  // A receive-pack cut short may still have moved refs before it was stopped.
  const exited = child.exited.then(async (status) => {
    await announceOnce();
    return status;
  });
  return {
    stdin: child.stdin,
    stdout,
    stderrStream: child.stderrStream,
    exited,
    stderr: () => child.stderr(),
    signal: (signal) => child.signal(signal),
  };
}
