/**
 * What `gitgate serve` does once on a fresh installation: create the `root`
 * administrator and, optionally, a demo project. Safe when several
 * instances start on one fresh database at once: one creates root, the
 * others find it and go on.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { ConflictError, unlessNotFound } from '../lib/errors.js';
import type { ProjectService } from '../projects/project.service.js';
import type { RepositoryStore } from '../projects/repository.store.js';
import type { User } from '../users/user.js';
import type { UserService } from '../users/user.service.js';
import {
  generateRootPassword,
  readRootPasswordFile,
  removeRootPasswordFile,
  ROOT_PASSWORD_FILE,
  writeRootPasswordFile,
} from './root-password-file.js';

export const ROOT_USERNAME = 'root';
export const DEMO_PROJECT = 'demo';

export interface FirstStartDeps {
  users: UserService;
  projects: ProjectService;
  repos: RepositoryStore;
  logger: Logger;
  dataDir: string;
  rootPassword: string | null;
  seedDemo: boolean;
  gitBin: string;
  /** PATH for git (the demo's fast-import). */
  gitPath: string;
  /** A git fast-import stream for the demo repository. */
  demoFixture: string;
}

/**
 * Where root's password is, for the start-up banner: written now to `file`;
 * configured (GITGATE_ROOT_PASSWORD) now; in `file` since an earlier start;
 * or not on this instance's disk (`file` is where it would be).
 */
export type RootPassword =
  | { kind: 'written'; file: string }
  | { kind: 'configured' }
  | { kind: 'in-file'; file: string }
  | { kind: 'elsewhere'; file: string };

/** What first start did, for the banner. */
export interface FirstStartResult {
  root: User;
  password: RootPassword;
  /** `namespace/path` of the demo project when it was seeded now. */
  demo: string | null;
}

/**
 * Ensures the root account (and on first start the demo project) exist.
 *
 * A generated password is written to `initial_root_password` before root
 * is created with it: if the file cannot be written root is not created
 * (StartupError), and if root cannot be created the file stays and the next
 * start uses the same password. An instance that loses the race to create
 * root removes its file unless root's password is the one in it.
 */
export async function firstStart(deps: FirstStartDeps): Promise<FirstStartResult> {
  const file = path.join(deps.dataDir, ROOT_PASSWORD_FILE);
  const existing = await unlessNotFound(deps.users.getByUsername(ROOT_USERNAME));
  if (existing) return { root: existing, password: passwordOnDisk(file), demo: null };

  const password = deps.rootPassword ?? ensurePasswordFile(file);
  let root: User;
  try {
    root = await deps.users.create({ username: ROOT_USERNAME, email: 'root@gitgate.invalid', name: 'Administrator', password, isAdmin: true });
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    // Another instance created root at the same moment (users are unique by username and email).
    const winner = await deps.users.getByUsername(ROOT_USERNAME);
    deps.logger.info('root was created by another instance starting at the same time');
    if (deps.rootPassword) return { root: winner, password: { kind: 'configured' }, demo: null };
    const theirs = await deps.users.verifyAccountPassword(winner, password).then(
      () => true,
      () => false,
    );
    if (!theirs) removeRootPasswordFile(file);
    return { root: winner, password: passwordOnDisk(file), demo: null };
  }
  const demo = deps.seedDemo ? await seedDemo(deps, root) : null;
  return { root, password: deps.rootPassword ? { kind: 'configured' } : { kind: 'written', file }, demo };
}

/** The password in `file`, written now (generated) unless a file is there already. */
function ensurePasswordFile(file: string): string {
  const kept = readRootPasswordFile(file);
  if (kept !== null) return kept;
  const generated = generateRootPassword();
  if (writeRootPasswordFile(file, generated)) return generated;
  return readRootPasswordFile(file) ?? generated;
}

function passwordOnDisk(file: string): RootPassword {
  return fs.statSync(file, { throwIfNoEntry: false })?.isFile() ? { kind: 'in-file', file } : { kind: 'elsewhere', file };
}

async function seedDemo(deps: FirstStartDeps, root: User): Promise<string> {
  const actor = { id: root.id, username: root.username, isAdmin: true };
  const project = await deps.projects.create(actor, { path: DEMO_PROJECT, name: 'Demo', visibility: 'private' });
  const repoPath = await deps.repos.resolve(project.namespace, project.path);
  if (repoPath) await fastImport(deps.gitBin, deps.gitPath, repoPath, deps.demoFixture);
  const demo = `${project.namespace}/${project.path}`;
  deps.logger.info({ project: demo }, 'seeded demo project');
  return demo;
}

/** Loads a fast-import stream into a bare repository. */
function fastImport(gitBin: string, gitPath: string, repoPath: string, streamFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(gitBin, ['fast-import', '--quiet'], {
      cwd: repoPath,
      env: { PATH: gitPath, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`git fast-import failed: ${stderr.trim()}`))));
    fs.createReadStream(streamFile).on('error', reject).pipe(child.stdin);
  });
}
