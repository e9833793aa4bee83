/**
 * File modes of what gitgate keeps on disk: the data and repositories
 * directories are the owner's only (0700), and so are the database, the
 * server secret and the initial root password (0600). New installs are
 * created that way; existing ones are tightened at every start.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The SQLite database file's name inside the data directory. */
export const SQLITE_FILE = 'gitgate.sqlite3';

/** Files beside the database that SQLite creates (write-ahead log, shared memory, rollback journal). */
const SQLITE_COMPANIONS = ['-wal', '-shm', '-journal'];

/** Files in the data directory that hold secrets. */
const SECRET_FILES = ['secret', 'initial_root_password'];

/** Where the private data lives. */
export interface PrivateDataPaths {
  dataDir: string;
  reposDir: string;
  /** The SQLite database file, or null on PostgreSQL. */
  sqliteFile: string | null;
}

/** One path whose mode was narrowed, as octal strings for the log. */
export interface TightenedPath {
  path: string;
  from: string;
  to: string;
}

/** What {@link securePrivateData} changed, and what it could not. */
export interface PrivateDataReport {
  tightened: TightenedPath[];
  /** Paths whose mode stays too open because chmod failed (not the owner), with the reason. */
  failed: { path: string; reason: string }[];
}

/**
 * Creates the data and repositories directories with mode 0700 when missing
 * (unless `create` is false: the CLI never creates an installation), and
 * removes group and other permissions from them, from the database files
 * (including SQLite's `-wal`/`-shm`/`-journal`) and from the secret files when
 * they exist. Missing files are left missing. Never throws on a chmod that
 * fails (another user's file): it is reported instead; a directory that
 * cannot be created throws.
 */
export function securePrivateData(paths: PrivateDataPaths, create = true): PrivateDataReport {
  const report: PrivateDataReport = { tightened: [], failed: [] };
  for (const dir of [paths.dataDir, paths.reposDir]) {
    if (create) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    tighten(dir, report);
  }
  const files = SECRET_FILES.map((name) => path.join(paths.dataDir, name));
  if (paths.sqliteFile) files.push(paths.sqliteFile, ...SQLITE_COMPANIONS.map((suffix) => `${paths.sqliteFile}${suffix}`));
  for (const file of files) tighten(file, report);
  return report;
}

/** Drops the group and other bits of `file` (keeping the owner's), if it exists and has any. */
function tighten(file: string, report: PrivateDataReport): void {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (!stat) return;
  const mode = stat.mode & 0o7777;
  if ((mode & 0o077) === 0) return;
  const narrowed = mode & 0o700;
  try {
    fs.chmodSync(file, narrowed);
    report.tightened.push({ path: file, from: octal(mode), to: octal(narrowed) });
  } catch (err) {
    report.failed.push({ path: file, reason: (err as NodeJS.ErrnoException).code ?? String(err) });
  }
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}
