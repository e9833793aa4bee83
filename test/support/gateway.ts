/**
 * Starts a real gitgate (real database, real git, HTTP on an ephemeral
 * loopback port) for one test file, with helpers to create users, projects
 * and tokens through the services, and the log lines it wrote.
 */
import type { RestrictionsInput } from '../../src/tokens/restriction-input.js';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/http/logger.js';
import { ManualClock } from '../../src/lib/clock.js';
import { compose } from '../../src/main.js';
import type { System } from '../../src/system.js';
import { AccessLevel, type AccessLevelName } from '../../src/identity/access-level.js';
import { type Project, type Visibility } from '../../src/projects/project.js';
import { listen, type RunningServer } from '../../src/server.js';
import type { User } from '../../src/users/user.js';
import { createTestDatabase, type TestDatabaseKind } from './databases.js';
import { gitOk, tempDir } from './git-cli.js';

export interface Gateway {
  url: string;
  /** The SSH port when started with `ssh: true`, else null. */
  sshPort: number | null;
  system: System;
  server: RunningServer;
  clock: ManualClock;
  dataDir: string;
  /** The environment it was configured with (to start a second instance or the CLI alike). */
  env: Record<string, string>;
  /** Every JSON log line the server wrote. */
  logs: string[];
  createUser(username: string, options?: { password?: string; admin?: boolean }): Promise<User>;
  createProject(owner: User, name: string, visibility?: Visibility): Promise<Project>;
  addMember(project: Project, user: User, level: AccessLevelName): Promise<void>;
  createToken(
    user: User,
    scopes: string[],
    options?: { expiresAt?: string; name?: string; restrictions?: RestrictionsInput },
  ): Promise<{ id: number; token: string }>;
  /** Commits a file on `main` of the project's bare repository, directly on disk. */
  seedCommit(project: Project, file?: string, content?: string): Promise<void>;
  repoPath(project: Project): string;
  stop(): Promise<void>;
}

export const PASSWORD = 'correct-horse-battery';

export async function startGateway(
  kind: TestDatabaseKind,
  options: {
    env?: Record<string, string>;
    clock?: ManualClock;
    /** Listen here instead of an ephemeral port. */
    port?: number;
    /** Use this Redis, under a key prefix of this gateway's own. */
    redisUrl?: string;
    /** A second instance: same database, data directory, secret and Redis prefix as `shareWith`. */
    shareWith?: Gateway;
    /** Also serve git over SSH, on a free loopback port. */
    ssh?: boolean;
  } = {},
): Promise<Gateway> {
  const shared = options.shareWith;
  const db = shared ? null : await createTestDatabase(kind);
  const dataDir = shared?.dataDir ?? tempDir('gitgate-data-');
  const env: Record<string, string> = shared
    ? { ...shared.env }
    : {
        GITGATE_DATA_DIR: dataDir,
        ...(db!.config.kind === 'postgres' ? { DATABASE_URL: db!.config.url } : {}),
        ...(options.redisUrl
          ? { REDIS_URL: options.redisUrl, GITGATE_REDIS_PREFIX: `gitgate-test:${process.pid}:${randomBytes(4).toString('hex')}:` }
          : {}),
        GITGATE_SEED_DEMO: 'false',
        LOG_LEVEL: 'debug',
      };
  if (options.ssh) Object.assign(env, { GITGATE_SSH_PORT: '0', GITGATE_SSH_HOST: '127.0.0.1' });
  Object.assign(env, options.env);
  const config = loadConfig(env);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const clock = options.clock ?? new ManualClock(new Date());
  const system = await compose(config, { clock, logger: createLogger('debug', sink) });
  const server = await listen(system, options.port ?? 0, '127.0.0.1');
  const admin = { id: 0, username: '(test)', isAdmin: true };

  const gateway: Gateway = {
    url: server.url,
    sshPort: server.ssh?.address.port ?? null,
    system,
    server,
    clock,
    dataDir,
    env,
    logs,
    createUser: (username, o = {}) =>
      system.users.create({ username, password: o.password ?? PASSWORD, isAdmin: o.admin ?? false }),
    createProject: (owner, name, visibility = 'private') =>
      system.projects.create({ id: owner.id, username: owner.username, isAdmin: owner.isAdmin }, { path: name, visibility }),
    addMember: async (project, user, level) => {
      await system.projects.setMember(admin, project.id, user.id, AccessLevel[level], 'add');
    },
    createToken: async (user, scopes, o = {}) => {
      const issued = await system.tokens.create(admin, user.id, {
        name: o.name ?? 'test',
        scopes,
        expiresAt: o.expiresAt ?? null,
        ...(o.restrictions ? { restrictions: o.restrictions } : {}),
      });
      return { id: issued.token.id, token: issued.plaintext };
    },
    seedCommit: async (project, file = 'README.md', content = `# ${project.path}\n`) => {
      const work = tempDir('gitgate-seed-');
      await gitOk(['init', '-q', '-b', 'main', work]);
      fs.writeFileSync(path.join(work, file), content);
      await gitOk(['-C', work, 'add', '.']);
      await gitOk(['-C', work, 'commit', '-q', '-m', `seed ${file}`]);
      await gitOk(['-C', work, 'push', '-q', gateway.repoPath(project), 'main']);
      fs.rmSync(work, { recursive: true, force: true });
    },
    repoPath: (project) => path.join(config.reposDir, project.namespace, `${project.path}.git`),
    stop: async () => {
      await server.stop();
      if (db) {
        await db.drop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
  return gateway;
}
