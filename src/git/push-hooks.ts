/**
 * How a push with push rules (a restricted token's) runs: git uses
 * gitgate's hooks directory (`-c core.hooksPath`) for that one process, and
 * the rules reach the pre-receive hook through its environment. The
 * directory's other hooks run the repository's own, so those still apply.
 */
import { fileURLToPath } from 'node:url';
import type { PushRules } from '../identity/token-restrictions.js';

/** gitgate's hooks (src/git/hooks, copied beside the compiled code by the build). */
export const PUSH_HOOKS_DIR = fileURLToPath(new URL('./hooks', import.meta.url));

/** Arguments placed before git's subcommand for a push under `rules`. */
export function pushHookArgs(): string[] {
  return ['-c', `core.hooksPath=${PUSH_HOOKS_DIR}`];
}

/** Environment the hook reads: the rules (no secret in them) and the node binary that runs the check. */
export function pushHookEnv(rules: PushRules): Record<string, string> {
  return { GITGATE_PUSH_RULES: JSON.stringify(rules), GITGATE_NODE: process.execPath };
}
