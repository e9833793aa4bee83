/**
 * A temporary directory for one test file's repositories, and git run in
 * them the way the gateway runs it (gitEnvironment) with a fixed identity.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import { DEFAULT_GIT_PATH, gitEnvironment } from '../../src/git/git-env.js';

const run = promisify(execFile);

export interface ScratchGit {
  /** The directory (created before the file's tests, removed after them). */
  readonly base: string;
  /** git's environment: the gateway's, plus an author and committer. */
  env(): NodeJS.ProcessEnv;
  /** `git -C repo args…`, resolving to its trimmed stdout. */
  git(repo: string, ...args: string[]): Promise<string>;
}

/** Registers the directory's beforeAll/afterAll; call at the top of a test file. */
export function useScratchGit(prefix: string): ScratchGit {
  let base = '';
  beforeAll(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  afterAll(() => {
    fs.rmSync(base, { recursive: true, force: true });
  });
  const env = (): NodeJS.ProcessEnv => ({
    ...gitEnvironment({ path: DEFAULT_GIT_PATH, home: base }),
    GIT_AUTHOR_NAME: 'A',
    GIT_AUTHOR_EMAIL: 'a@example.test',
    GIT_COMMITTER_NAME: 'A',
    GIT_COMMITTER_EMAIL: 'a@example.test',
  });
  return {
    get base() {
      return base;
    },
    env,
    git: async (repo, ...args) => (await run('git', ['-C', repo, ...args], { env: env() })).stdout.trim(),
  };
}
