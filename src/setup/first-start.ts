/**
 * What `gitgate serve` does once on a fresh data directory: create the
 * `root` administrator and, optionally, a demo project.
 */
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { unlessNotFound } from '../lib/errors.js';
import type { ProjectService } from '../projects/project.service.js';
import type { RepositoryStore } from '../projects/repository.store.js';
import type { User } from '../users/user.js';
import type { UserService } from '../users/user.service.js';

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
  /** A git fast-import stream for the demo repository. */
  demoFixture: string;
}

/** What first start did, for the start-up banner. */
export interface FirstStartResult {
  root: User;
  /** Where the generated root password was written, when it was generated now. */
  passwordFile: string | null;
  demo: string | null;
}

/** Ensures the root account (and on first start the demo project) exist. */
export async function firstStart(deps: FirstStartDeps): Promise<FirstStartResult> {
  const existing = await unlessNotFound(deps.users.getByUsername(ROOT_USERNAME));
  if (existing) return { root: existing, passwordFile: null, demo: null };

  const password = deps.rootPassword ?? randomBytes(18).toString('base64url');
  const root = await deps.users.create({
    username: ROOT_USERNAME,
    email: 'root@gitgate.invalid',
    name: 'Administrator',
    password,
    isAdmin: true,
  });
  let passwordFile: string | null = null;
  if (!deps.rootPassword) {
    passwordFile = path.join(deps.dataDir, 'initial_root_password');
    fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o600, flag: 'wx' });
  }
  let demo: string | null = null;
  if (deps.seedDemo) {
    const actor = { id: root.id, username: root.username, isAdmin: true };
    const project = await deps.projects.create(actor, { path: DEMO_PROJECT, name: 'Demo', visibility: 'private' });
    const repoPath = await deps.repos.resolve(project.namespace, project.path);
    if (repoPath) await fastImport(deps.gitBin, repoPath, deps.demoFixture);
    demo = `${project.namespace}/${project.path}`;
    deps.logger.info({ project: demo }, 'seeded demo project');
  }
  return { root, passwordFile, demo };
}

/** Loads a fast-import stream into a bare repository. */
function fastImport(gitBin: string, repoPath: string, streamFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(gitBin, ['fast-import', '--quiet'], {
      cwd: repoPath,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`git fast-import failed: ${stderr.trim()}`))));
    fs.createReadStream(streamFile).on('error', reject).pipe(child.stdin);
  });
}
