/**
 * `initial_root_password`: where a generated root password is kept. It is
 * written — completely, durably, mode 0600 — before root is created with
 * it, so no state exists in which root has a password nobody can read.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { StartupError } from '../lib/startup-error.js';

/** The file's name inside the data directory. */
export const ROOT_PASSWORD_FILE = 'initial_root_password';

const MIN_LENGTH = 8;

/** A fresh root password: 144 random bits, URL-safe. */
export function generateRootPassword(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * The password in `file`, or null when there is none. A file left by a
 * start that stopped before root existed (or written a moment ago by
 * another instance sharing the directory) is used again.
 * @throws StartupError when it exists but cannot be read or holds no password.
 */
export function readRootPasswordFile(file: string): string | null {
  let content: string;
  try {
    content = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw unusable(file, `cannot be read (${code(err)})`, err);
  }
  const password = content.replace(/\r?\n$/, '');
  if (password.length < MIN_LENGTH) throw unusable(file, 'holds no password (remove it to generate a new one)');
  return password;
}

/**
 * Writes `password` to `file` all at once, mode 0600, synced to disk, and
 * never over an existing file: a temporary file is linked into place.
 * Creates the data directory (0700) when missing.
 * @returns true when this call wrote it, false when `file` appeared in the
 *   meantime (another instance): the caller reads that one instead.
 * @throws StartupError when it cannot be written.
 */
export function writeRootPasswordFile(file: string, password: string): boolean {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${ROOT_PASSWORD_FILE}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const fd = fs.openSync(temp, 'wx', 0o600);
    try {
      fs.writeFileSync(fd, `${password}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.linkSync(temp, file);
    syncDirectory(dir);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST' && fs.statSync(file, { throwIfNoEntry: false })?.isFile()) return false;
    throw unusable(file, `cannot be written (${code(err)})`, err);
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

/** Removes `file` (a password root does not have). */
export function removeRootPasswordFile(file: string): void {
  fs.rmSync(file, { force: true });
}

function unusable(file: string, problem: string, cause?: unknown): StartupError {
  return new StartupError(
    'GITGATE_DATA_DIR',
    `the root password file ${file} ${problem}; root was not created. Fix it (it is in GITGATE_DATA_DIR) or set GITGATE_ROOT_PASSWORD`,
    { cause },
  );
}

function code(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
}

/** Makes the new directory entry durable (a crash must not lose the file once root exists). */
function syncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
