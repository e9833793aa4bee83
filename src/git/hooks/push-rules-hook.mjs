/**
 * The check behind gitgate's pre-receive hook: reads git's ref updates
 * (`<old> <new> <ref>` lines) and refuses the whole push when any update
 * breaks the token's push rules (GITGATE_PUSH_RULES, JSON of PushRules in
 * src/identity/token-restrictions.ts). git runs it with the pushed objects
 * in quarantine, so fast-forwards are decided on the new objects and a
 * refused push leaves neither refs nor objects behind. Reasons go to
 * stderr, which git relays to the client as `remote:` lines.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { refMatcher } from '../../lib/ref-pattern.mjs';

const ZERO_ID = /^0+$/;

/** @type {{ pushRefs: string[] | null; allowForcePush: boolean; allowRefDeletion: boolean }} */
const rules = JSON.parse(process.env.GITGATE_PUSH_RULES ?? 'null');
if (!rules) {
  process.stderr.write('gitgate: push rules missing; push refused\n');
  process.exit(1);
}
const allowedRef = rules.pushRefs ? refMatcher(rules.pushRefs) : () => true;

/**
 * Why this update is refused, or null.
 * @param {string} oldId
 * @param {string} newId
 * @param {string} ref
 */
function refusal(oldId, newId, ref) {
  if (!allowedRef(ref)) return `this token may push only to ${rules.pushRefs.join(', ')}`;
  if (ZERO_ID.test(newId)) return rules.allowRefDeletion ? null : 'this token may not delete refs';
  if (rules.allowForcePush || ZERO_ID.test(oldId)) return null;
  // Exit 0: old is an ancestor of new (a fast-forward); anything else, including
  // objects that are not commits, counts as a forced update.
  const ancestry = spawnSync('git', ['merge-base', '--is-ancestor', oldId, newId], { stdio: 'ignore' });
  return ancestry.status === 0 ? null : 'this token may not force-push (non-fast-forward update)';
}

const updates = readFileSync(0, 'utf8')
  .split('\n')
  .filter((line) => line.length > 0)
  .map((line) => line.split(' '));
const verdicts = updates.map(([oldId, newId, ref]) => ({ ref, reason: refusal(oldId, newId, ref) }));
if (verdicts.some((v) => v.reason !== null)) {
  const lines = ['gitgate: push refused by the token\'s push rules; no ref was changed:'];
  for (const { ref, reason } of verdicts) lines.push(`gitgate:   ${ref}: ${reason ?? 'not updated, because another ref of this push was refused'}`);
  process.stderr.write(`${lines.join('\n')}\n`);
  // gitgate puts these into git's per-ref report (`! [remote rejected] <ref> (<reason>)`).
  const file = process.env.GITGATE_PUSH_VERDICTS;
  if (file) {
    const reasons = Object.fromEntries(verdicts.map(({ ref, reason }) => [ref, reason ?? 'another ref of this push was refused']));
    writeFileSync(file, JSON.stringify(reasons), { mode: 0o600 });
  }
  process.exit(1);
}
