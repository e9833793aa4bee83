/**
 * Where settings come from besides the environment itself: an env file
 * (`GITGATE_ENV_FILE`, read with Node's own dotenv parser) and, for the
 * secrets, a file per setting (`NAME_FILE`, as Docker and Kubernetes
 * secrets are mounted). The environment always wins over the env file; a
 * setting given both directly and as a file is refused, not guessed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';

/** Settings that may be read from the file `NAME_FILE` names. */
export const FILE_SETTINGS = ['GITGATE_SECRET', 'DATABASE_URL', 'REDIS_URL', 'GITGATE_ROOT_PASSWORD', 'GITGATE_SMTP_URL', 'GITGATE_AUDIT_WEBHOOK_SECRET'] as const;

/** The settings gathered, and a `NAME reason` line per source that could not be used. */
export interface GatheredEnvironment {
  values: Record<string, string>;
  problems: string[];
}

/**
 * Merges the env file and the secret files into the non-empty `present`
 * variables. Paths are relative to `baseDir`. A secret file's one final
 * line ending is dropped (what `echo` and editors leave).
 */
export function gatherEnvironment(present: Readonly<Record<string, string>>, baseDir: string): GatheredEnvironment {
  const values: Record<string, string> = {};
  const problems: string[] = [];
  const envFile = present.GITGATE_ENV_FILE;
  if (envFile !== undefined) {
    const text = readSetting('GITGATE_ENV_FILE', envFile, baseDir, problems);
    if (text !== null) {
      for (const [name, value] of Object.entries(parseEnv(text))) if (value) values[name] = value;
    }
  }
  Object.assign(values, present);
  for (const name of FILE_SETTINGS) {
    const file = values[`${name}_FILE`];
    if (file === undefined) continue;
    if (values[name] !== undefined) {
      problems.push(`${name}_FILE is set, and so is ${name}: set one of them`);
      continue;
    }
    const text = readSetting(`${name}_FILE`, file, baseDir, problems);
    if (text === null) continue;
    const value = text.replace(/\r?\n$/, '');
    if (value === '') problems.push(`${name}_FILE names an empty file (${path.resolve(baseDir, file)})`);
    else values[name] = value;
  }
  return { values, problems };
}

/** The file's text, or null with a problem naming the setting, the file and why. */
function readSetting(name: string, file: string, baseDir: string, problems: string[]): string | null {
  const resolved = path.resolve(baseDir, file);
  try {
    return fs.readFileSync(resolved, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    problems.push(`${name} cannot be read (${code}: ${resolved})`);
    return null;
  }
}
