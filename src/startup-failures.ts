/**
 * The one line printed when gitgate cannot start, or a CLI command cannot
 * find its installation: what failed, and the setting to look at.
 */
import fs from 'node:fs';
import type { Config } from './config/config.js';
import { PACKAGE_ROOT } from './lib/package-root.js';
import { DatabaseNotCreatedError, redactUrl, StartupError } from './lib/startup-error.js';
import { MissingSecretError } from './lib/secrets.js';

const RELATIVE_PATHS = `relative paths are relative to ${PACKAGE_ROOT}`;

/** Where an installation's data is, for the banner and CLI errors (no password). */
export function dataLocation(config: Config): string {
  return config.databaseUrl
    ? `database ${redactUrl(config.databaseUrl)}, data directory ${config.dataDir}`
    : `data directory ${config.dataDir}`;
}

/** The configured database could not be opened, migrated, or (for the CLI) does not exist yet. */
export function databaseFailure(config: Config, sqliteFile: string, err: unknown): StartupError {
  if (config.databaseUrl) {
    const where = redactUrl(config.databaseUrl);
    if (err instanceof DatabaseNotCreatedError) {
      return new StartupError(
        'DATABASE_URL',
        `the PostgreSQL database ${where} has no gitgate tables yet: only \`gitgate serve\` creates them (or set DATABASE_URL to the server's database)`,
      );
    }
    return new StartupError('DATABASE_URL', `cannot use the PostgreSQL database ${where}: ${rootCause(err)} (check DATABASE_URL)`, { cause: err });
  }
  if (err instanceof DatabaseNotCreatedError) return notAnInstallation(config, `there is no database at ${sqliteFile}`);
  return new StartupError(
    'GITGATE_DATA_DIR',
    `cannot use the SQLite database ${sqliteFile}: ${rootCause(err)} (the file and its directory must be writable by this user; see GITGATE_DATA_DIR)`,
    { cause: err },
  );
}

/** The data directory cannot be created, or (for the CLI) holds no installation. */
export function dataDirectoryFailure(config: Config, err: unknown): StartupError {
  if (err instanceof MissingSecretError) {
    return notAnInstallation(config, `there is no server secret at ${err.file} and GITGATE_SECRET is not set`);
  }
  return new StartupError(
    'GITGATE_DATA_DIR',
    `cannot prepare the data directory ${config.dataDir} or the repositories directory ${config.reposDir}: ${rootCause(err)} (GITGATE_DATA_DIR, GITGATE_REPOS_DIR)`,
    { cause: err },
  );
}

/** What the CLI says instead of creating a second, empty installation. */
export function notAnInstallation(config: Config, what: string): StartupError {
  const problem = fs.existsSync(config.dataDir) ? what : `there is no data directory ${config.dataDir}`;
  return new StartupError(
    'GITGATE_DATA_DIR',
    `${problem}: not a gitgate installation, and only \`gitgate serve\` creates one. Set GITGATE_DATA_DIR (and DATABASE_URL, GITGATE_SECRET) as the server has them (${RELATIVE_PATHS})`,
  );
}

/** A listener could not be opened: `setting` is its port variable, `hostSetting` its address variable. */
export function listenFailure(setting: string, hostSetting: string, host: string, port: number, err: unknown): StartupError {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const { code, syscall } = err as NodeJS.ErrnoException;
  if (syscall !== 'listen' && syscall !== 'getaddrinfo') {
    return new StartupError(setting, `cannot start the listener on ${where}: ${rootCause(err)} (${setting})`, { cause: err });
  }
  const line =
    code === 'EADDRINUSE'
      ? `${where} is already in use: stop what listens there, or choose another ${setting}`
      : code === 'EACCES'
        ? `not allowed to listen on ${where} (ports below 1024 need privileges): choose another ${setting}`
        : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND'
          ? `${host} is not an address of this machine: check ${hostSetting}`
          : `cannot listen on ${where}: ${rootCause(err)} (check ${setting} and ${hostSetting})`;
  return new StartupError(code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' ? hostSetting : setting, line, { cause: err });
}

/** git cannot be found, run, or is too old. */
export function gitFailure(gitBin: string, err: unknown): StartupError {
  return new StartupError(
    'GITGATE_GIT_BIN',
    `git is not usable: ${rootCause(err)}. Install git, or set GITGATE_GIT_BIN (now "${gitBin}") to the one to use`,
    { cause: err },
  );
}

/** The innermost message of an error chain (a driver's own words, without the wrappers' prefixes). */
function rootCause(err: unknown): string {
  let current: unknown = err;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  const message = current instanceof Error ? current.message || current.name : String(current);
  return message.replace(/\s+/g, ' ').trim();
}
