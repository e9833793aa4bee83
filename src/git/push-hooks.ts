/**
 * How a push runs under gitgate's hooks: git uses gitgate's hooks directory
 * (`-c core.hooksPath`) for that one process, and what the pre-receive hook
 * checks reaches it through its environment — a restricted token's push
 * rules, and the ticket of the push check (secret push protection). The
 * directory's other hooks run the repository's own, so those still apply.
 * Nothing secret is put in git's environment: rules are no secret, and a
 * ticket only lets the hook ask about this push while it runs.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PushRules } from '../identity/token-restrictions.js';

/** gitgate's hooks (src/git/hooks, copied beside the compiled code by the build). */
export const PUSH_HOOKS_DIR = fileURLToPath(new URL('./hooks', import.meta.url));

/** One push under gitgate's hooks: git's extra arguments and environment, and the hook's per-ref reasons. */
export interface PushHooks {
  /** Arguments placed before git's subcommand. */
  args: string[];
  /** Environment the hook reads: the rules, the check's ticket, the node binary, the verdict file. */
  env: Record<string, string>;
  /** The reasons per ref the hook left (empty when it refused nothing or wrote nothing). */
  read(): ReadonlyMap<string, string>;
  /** Removes the verdict file; safe to call twice. */
  remove(): void;
}

/**
 * Prepares one push that needs gitgate's hooks: `rules` (a restricted
 * token's) and/or `check` (the environment of a PushChecks ticket).
 */
export function pushHooks(rules: PushRules | null, check: Record<string, string> | null): PushHooks {
  const file = path.join(os.tmpdir(), `gitgate-push-${randomUUID()}.json`);
  return {
    args: ['-c', `core.hooksPath=${PUSH_HOOKS_DIR}`],
    env: {
      ...(rules ? { GITGATE_PUSH_RULES: JSON.stringify(rules) } : {}),
      ...check,
      GITGATE_NODE: process.execPath,
      GITGATE_PUSH_VERDICTS: file,
    },
    read() {
      try {
        const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
        if (typeof parsed !== 'object' || parsed === null) return new Map();
        return new Map(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
      } catch {
        return new Map();
      }
    },
    remove() {
      fs.rmSync(file, { force: true });
    },
  };
}
