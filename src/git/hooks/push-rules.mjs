/**
 * A restricted token's push rules (GITGATE_PUSH_RULES, JSON of PushRules in
 * src/identity/token-restrictions.ts) applied to git's ref updates. git
 * runs the hook with the pushed objects in quarantine, so fast-forwards are
 * decided on the new objects.
 */
import { spawnSync } from 'node:child_process';
import { refMatcher } from '../../lib/ref-pattern.mjs';

const ZERO_ID = /^0+$/;

/**
 * Why each update is refused (null: allowed).
 * @param {{ pushRefs: string[] | null; allowForcePush: boolean; allowRefDeletion: boolean }} rules
 * @param {{ oldId: string; newId: string; ref: string }[]} updates
 * @returns {(string | null)[]}
 */
export function ruleRefusals(rules, updates) {
  const allowedRef = rules.pushRefs ? refMatcher(rules.pushRefs) : () => true;
  return updates.map(({ oldId, newId, ref }) => {
    if (!allowedRef(ref)) return `this token may push only to ${rules.pushRefs.join(', ')}`;
    if (ZERO_ID.test(newId)) return rules.allowRefDeletion ? null : 'this token may not delete refs';
    if (rules.allowForcePush || ZERO_ID.test(oldId)) return null;
    // Exit 0: old is an ancestor of new (a fast-forward); anything else, including
    // objects that are not commits, counts as a forced update.
    const ancestry = spawnSync('git', ['merge-base', '--is-ancestor', oldId, newId], { stdio: 'ignore' });
    return ancestry.status === 0 ? null : 'this token may not force-push (non-fast-forward update)';
  });
}
