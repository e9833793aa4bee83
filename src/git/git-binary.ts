/**
 * Which file a git executable name stands for, and a cheap fingerprint of
 * it that changes when git is upgraded or replaced.
 */
import fs from 'node:fs';
import path from 'node:path';
import { statOrNull } from '../lib/stat-sync.js';

/**
 * The absolute path `gitBin` runs as: itself when it contains a slash,
 * otherwise the first executable `gitBin` in `envPath` (what execvp picks).
 * Null when there is none.
 *
 * @example resolveGitBinary('git', '/usr/local/bin:/usr/bin') // '/usr/bin/git'
 */
export function resolveGitBinary(gitBin: string, envPath: string): string | null {
  if (gitBin.includes('/')) return path.resolve(gitBin);
  for (const dir of envPath.split(':')) {
    if (!dir) continue;
    const candidate = path.join(dir, gitBin);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // Not here: keep looking, as execvp does.
    }
  }
  return null;
}

/**
 * Identity of the file at `binary` (device, inode, size, change time), or
 * null when it is gone. Package managers replace binaries by rename, so an
 * upgrade always changes it.
 */
export function binaryFingerprint(binary: string): string | null {
  const st = statOrNull(binary, { bigint: true });
  return st ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}` : null;
}
