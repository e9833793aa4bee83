/**
 * How a push with push rules (a restricted token's) runs: git uses
 * gitgate's hooks directory (`-c core.hooksPath`) for that one process, and
 * the rules reach the pre-receive hook through its environment. The
 * directory's other hooks run the repository's own, so those still apply.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PushRules } from '../identity/token-restrictions.js';

/** gitgate's hooks (src/git/hooks, copied beside the compiled code by the build). */
export const PUSH_HOOKS_DIR = fileURLToPath(new URL('./hooks', import.meta.url));

/** Arguments placed before git's subcommand for a push under `rules`. */
export function pushHookArgs(): string[] {
  return ['-c', `core.hooksPath=${PUSH_HOOKS_DIR}`];
}

/** Where the hook leaves its per-ref reasons for one push, and how they are read and cleared. */
export interface PushVerdicts {
  /** Environment the hook reads: the rules (no secret in them), the node binary, the verdict file. */
  env: Record<string, string>;
  /** The reasons per ref (empty when the hook refused nothing or wrote nothing). */
  read(): ReadonlyMap<string, string>;
  /** Removes the verdict file; safe to call twice. */
  remove(): void;
}

/** Prepares one push under `rules`. */
export function pushVerdicts(rules: PushRules): PushVerdicts {
  const file = path.join(os.tmpdir(), `gitgate-push-${randomUUID()}.json`);
  return {
    env: { GITGATE_PUSH_RULES: JSON.stringify(rules), GITGATE_NODE: process.execPath, GITGATE_PUSH_VERDICTS: file },
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
