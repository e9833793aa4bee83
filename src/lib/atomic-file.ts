/** File writes that readers in other processes never see half done. */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/** A unique temporary name beside `file`, on the same filesystem so a rename is atomic. */
export function tempNameBeside(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Writes `data` to `file` with `mode` by writing a temporary file beside it
 * and renaming it over `file`: a reader sees the old content or the new one.
 */
export async function writeFileAtomic(file: string, data: string, mode: number): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = tempNameBeside(file);
  try {
    await fs.writeFile(temp, data, { mode, flag: 'wx' });
    await fs.rename(temp, file);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
}
