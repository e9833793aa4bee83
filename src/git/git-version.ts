/**
 * The git executable gitgate runs, checked before it is needed: at start
 * (a missing, broken or too old git is reported then, not as the first
 * clone's `Internal Server Error`) and by the readiness probe, which runs
 * `git --version` again only when the file changed (an upgrade, a removal).
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import { binaryFingerprint, resolveGitBinary } from './git-binary.js';
import { gitEnvironment } from './git-env.js';

/**
 * The oldest git gitgate works with. 2.32 is the first to honour
 * GIT_CONFIG_GLOBAL, which gitEnvironment sets so that no personal
 * ~/.gitconfig (credential helpers, url rewrites, hooksPath) reaches the
 * server's git; `init --initial-branch` needs 2.28 and protocol v2 2.18.
 */
export const MIN_GIT_VERSION: readonly [number, number] = [2, 32];

/** git cannot be found, run, or is too old; `message` says which, without naming a setting. */
export class GitBinaryError extends Error {}

/** A git that answered `--version` with a version gitgate supports. */
export interface GitBinary {
  /** The file that runs (resolved on the PATH gitgate gives git). */
  path: string;
  /** As git printed it, e.g. `2.39.5`. */
  version: string;
}

const VERSION_TIMEOUT_MS = 10_000;

/**
 * Finds `gitBin` the way git is started (on `envPath` unless it contains a
 * slash), runs `<git> --version` and checks the version.
 * @throws GitBinaryError saying what is wrong.
 */
export async function probeGit(gitBin: string, envPath: string): Promise<GitBinary> {
  const file = resolveGitBinary(gitBin, envPath);
  if (!file) throw new GitBinaryError(`"${gitBin}" is not an executable on the PATH git runs with (${envPath})`);
  const output = await new Promise<string>((resolve, reject) => {
    execFile(
      file,
      ['--version'],
      { env: gitEnvironment({ path: envPath, home: os.tmpdir() }), timeout: VERSION_TIMEOUT_MS },
      (error, stdout, stderr) => {
        if (error) {
          const detail = String(stderr).trim().split('\n')[0] || (error as NodeJS.ErrnoException).code || error.message;
          reject(new GitBinaryError(`${file} --version failed: ${detail}`));
        } else resolve(String(stdout));
      },
    );
  });
  const match = /^git version (\d+)\.(\d+)(\.\d+)?/.exec(output.trim());
  if (!match) throw new GitBinaryError(`${file} --version did not print a git version (${JSON.stringify(output.trim().slice(0, 80))})`);
  const version = `${match[1]}.${match[2]}${match[3] ?? ''}`;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  const [needMajor, needMinor] = MIN_GIT_VERSION;
  if (major < needMajor || (major === needMajor && minor < needMinor)) {
    throw new GitBinaryError(`${file} is git ${version}; gitgate needs git ${needMajor}.${needMinor} or newer`);
  }
  return { path: file, version };
}

/**
 * The readiness check of git: cheap while the binary is the one last
 * verified (a stat), a new `--version` run when it changed.
 */
export class GitCheck {
  #verified: string | null = null;
  #running: Promise<void> | null = null;

  constructor(
    private readonly gitBin: string,
    private readonly envPath: string,
  ) {}

  /** Resolves when git is usable. @throws GitBinaryError */
  async check(): Promise<void> {
    const file = resolveGitBinary(this.gitBin, this.envPath);
    const fingerprint = file ? binaryFingerprint(file) : null;
    if (fingerprint !== null && fingerprint === this.#verified) return;
    this.#running ??= probeGit(this.gitBin, this.envPath)
      .then((found) => {
        this.#verified = binaryFingerprint(found.path);
      })
      .finally(() => {
        this.#running = null;
      });
    await this.#running;
  }
}
