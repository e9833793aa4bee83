/**
 * The gateway under test, run as a process of its own (so its memory and CPU
 * are its own): compose + listen on 127.0.0.1, a fresh data directory
 * (SQLite, in-process cache, as `npm start`), a user with a token, and the
 * bench repositories imported through the RepositoryStore. It logs to stdout
 * like `npm start` and writes one JSON line on stderr once it is ready.
 *
 *   node --import tsx bench/gateway-process.ts <dataDir> <name>=<bare repo>…
 *
 * With GITGATE_SSH_PORT (0: a free port) it also serves git over SSH, and
 * BENCH_SSH_PUBLIC_KEY becomes the bench user's key.
 */
import { loadConfig } from '../src/config/config.js';
import { compose } from '../src/main.js';
import { listen } from '../src/server.js';

/** What the gateway process reports when it is ready. */
export interface GatewayReady {
  url: string;
  pid: number;
  username: string;
  token: string;
  reposDir: string;
  /** Project name → path of the served repository. */
  repos: Record<string, string>;
  /** The SSH port when GITGATE_SSH_PORT was set, else null. */
  sshPort: number | null;
}

export const BENCH_USER = 'bench';

async function main(): Promise<void> {
  const [dataDir, ...repoArgs] = process.argv.slice(2);
  if (!dataDir) throw new Error('usage: gateway-process.ts <dataDir> <name>=<bare repo>…');
  const config = loadConfig({
    GITGATE_DATA_DIR: dataDir,
    GITGATE_SEED_DEMO: 'false',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    GITGATE_FETCH_CACHE_MAX_BYTES: process.env.GITGATE_FETCH_CACHE_MAX_BYTES,
    GITGATE_SECRET_PUSH_PROTECTION: process.env.GITGATE_SECRET_PUSH_PROTECTION,
    GITGATE_SENDFILE: process.env.GITGATE_SENDFILE,
    ...(process.env.GITGATE_SSH_PORT ? { GITGATE_SSH_PORT: process.env.GITGATE_SSH_PORT, GITGATE_SSH_HOST: '127.0.0.1' } : {}),
  });
  const system = await compose(config);
  const admin = { id: 0, username: '(bench)', isAdmin: true };
  const user = await system.users.create({ username: BENCH_USER, password: 'bench-password-not-used', isAdmin: false });
  const owner = { id: user.id, username: user.username, isAdmin: false };
  const repos: Record<string, string> = {};
  for (const arg of repoArgs) {
    const [name, source] = arg.split('=', 2) as [string, string];
    const project = await system.projects.create(owner, { path: name, visibility: 'private' });
    await system.repos.remove(project.namespace, project.path);
    // importFrom leaves one pack with a reachability bitmap, as a server's gc would.
    repos[name] = await system.repos.importFrom(source, project.namespace, project.path);
  }
  // bench/ssh-bench.ts signs in over SSH with this public key.
  if (process.env.BENCH_SSH_PUBLIC_KEY) await system.sshKeys.add(admin, user.id, { title: 'bench', key: process.env.BENCH_SSH_PUBLIC_KEY });
  const issued = await system.tokens.create(admin, user.id, { name: 'bench', scopes: ['read_repository', 'write_repository'], expiresAt: null });
  const running = await listen(system, 0, '127.0.0.1');
  const ready: GatewayReady = {
    url: running.url,
    pid: process.pid,
    username: BENCH_USER,
    token: issued.plaintext,
    reposDir: config.reposDir,
    repos,
    sshPort: running.ssh?.address.port ?? null,
  };
  process.stderr.write(`${JSON.stringify(ready)}\n`);
  const stop = (): void => {
    running.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`gateway-process: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
