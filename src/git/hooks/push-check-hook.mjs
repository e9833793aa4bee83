/**
 * The check behind gitgate's pre-receive hook. It reads git's ref updates
 * (`<old> <new> <ref>` lines) and refuses the whole push, before any ref
 * moves, when
 * - an update breaks a restricted token's push rules (GITGATE_PUSH_RULES), or
 * - with secret push protection on (GITGATE_PUSH_CHECK_SOCKET), a blob the
 *   push brings holds a live token of this gitgate: the gateway revokes it
 *   and tells its owner; git shows the commit and path, never the token.
 * Reasons go to stderr, which git relays to the client as `remote:` lines,
 * and per ref to GITGATE_PUSH_VERDICTS for gitgate's report rewriter. When
 * the gateway cannot be asked, the push is refused (fail closed).
 */
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { findTokenShapes, locate, MAX_CANDIDATES, newBlobs, skipRequested } from './secret-scan.mjs';

const ZERO_ID = /^0+$/;
const ASK_TIMEOUT_MS = 120_000;

/** @param {string[]} lines @param {Record<string, string>} reasons */
function refuse(lines, reasons) {
  process.stderr.write(`${lines.map((l) => `gitgate: ${l}`.trimEnd()).join('\n')}\n`);
  // gitgate puts these into git's per-ref report (`! [remote rejected] <ref> (<reason>)`).
  const file = process.env.GITGATE_PUSH_VERDICTS;
  if (file) writeFileSync(file, JSON.stringify(reasons), { mode: 0o600 });
  process.exit(1);
}

/** The same reason for every ref of the push. */
const forEveryRef = (updates, reason) => Object.fromEntries(updates.map(({ ref }) => [ref, reason]));

/**
 * One conversation with the gateway's push check socket (src/git/push-checks.ts).
 * @returns {(request: object) => Promise<any>}
 */
function gateway() {
  const socket = net.connect(process.env.GITGATE_PUSH_CHECK_SOCKET);
  socket.setEncoding('utf8');
  socket.setTimeout(ASK_TIMEOUT_MS, () => socket.destroy(new Error('the gateway did not answer')));
  let buffered = '';
  /** @type {{ resolve: (v: any) => void; reject: (e: Error) => void }[]} */
  const waiting = [];
  socket.on('data', (text) => {
    buffered += text;
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const answer = JSON.parse(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
      waiting.shift()?.resolve(answer);
    }
  });
  /** @type {Error | null} */
  let broken = null;
  const fail = (err) => {
    broken ??= err;
    waiting.splice(0).forEach((w) => w.reject(broken));
  };
  socket.on('error', fail);
  socket.on('close', () => fail(new Error('the gateway closed the connection')));
  const ask = (request) =>
    new Promise((resolve, reject) => {
      if (broken) return reject(broken);
      waiting.push({ resolve, reject });
      socket.write(`${JSON.stringify({ ticket: process.env.GITGATE_PUSH_CHECK_TICKET, ...request })}\n`);
    });
  ask.close = () => socket.end();
  return ask;
}

async function checkSecrets(updates) {
  const ask = gateway();
  try {
    if (skipRequested()) {
      const answer = await ask({ op: 'skipped' });
      if (!answer.ok) refuse([`secret push protection: ${answer.reason}; push refused`], forEveryRef(updates, 'secret push protection unavailable'));
      process.stderr.write('gitgate: secret push protection skipped for this push (secret_push_protection.skip_all); this is recorded in the audit log\n');
      return;
    }
    const shapes = await findTokenShapes(await newBlobs(), process.env.GITGATE_TOKEN_PREFIX);
    if (shapes.length === 0) return;
    const candidates = [...new Set(shapes.map((s) => s.token))];
    if (candidates.length > MAX_CANDIDATES) {
      refuse([`secret push protection: the push holds more than ${MAX_CANDIDATES} token-shaped strings; push refused`], forEveryRef(updates, 'too many token-shaped strings'));
    }
    const checked = await ask({ op: 'live', candidates });
    if (!checked.ok) refuse([`secret push protection: ${checked.reason}; push refused`], forEveryRef(updates, `push blocked: ${checked.reason}`));
    const live = new Set(checked.live);
    const found = shapes.filter((s) => live.has(s.token));
    if (found.length === 0) return;
    const newIds = [...new Set(updates.map((u) => u.newId).filter((id) => !ZERO_ID.test(id)))];
    const where = await locate(new Set(found.map((f) => f.blob)), newIds);
    const leaks = found.filter((f) => where.has(f.blob)).map((f) => ({ token: f.token, line: f.line, ...where.get(f.blob) }));
    if (leaks.length === 0) return;
    const reported = await ask({ op: 'leaked', leaks });
    const lines = ['PUSH BLOCKED: personal access tokens of this server found in the pushed commits', ''];
    for (const commit of new Set(leaks.map((l) => l.commit))) {
      lines.push(`Secret push protection found the following tokens in commit: ${commit}`, '');
      for (const leak of leaks.filter((l) => l.commit === commit)) lines.push(`-- ${leak.path}:${leak.line} personal access token`);
      lines.push('');
    }
    lines.push(
      reported.ok ? 'The tokens have been revoked and their owners notified: they no longer work.' : 'The tokens could not be revoked; ask an administrator to revoke them.',
      'To push your changes you must remove the tokens from these commits (git rebase -i, git commit --amend).',
    );
    const first = leaks[0];
    refuse(lines, forEveryRef(updates, `push blocked: a token was found in ${first.commit.slice(0, 12)}:${first.path}`));
  } finally {
    ask.close();
  }
}

const updates = (await new Promise((resolve) => {
  const chunks = [];
  process.stdin.on('data', (c) => chunks.push(c));
  process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
}))
  .split('\n')
  .filter((line) => line.length > 0)
  .map((line) => {
    const [oldId, newId, ref] = line.split(' ');
    return { oldId, newId, ref };
  });

if (process.env.GITGATE_PUSH_RULES) {
  // Loaded only for restricted tokens: its pattern matcher costs every other push ~20 ms.
  const { ruleRefusals } = await import('./push-rules.mjs');
  const refusals = ruleRefusals(JSON.parse(process.env.GITGATE_PUSH_RULES), updates);
  if (refusals.some((r) => r !== null)) {
    const lines = ["push refused by the token's push rules; no ref was changed:"];
    updates.forEach(({ ref }, i) => lines.push(`  ${ref}: ${refusals[i] ?? 'not updated, because another ref of this push was refused'}`));
    refuse(lines, Object.fromEntries(updates.map(({ ref }, i) => [ref, refusals[i] ?? 'another ref of this push was refused'])));
  }
}

if (process.env.GITGATE_PUSH_CHECK_SOCKET) {
  try {
    await checkSecrets(updates);
  } catch (err) {
    refuse([`secret push protection is unavailable (${err instanceof Error ? err.message : String(err)}); push refused`], forEveryRef(updates, 'secret push protection unavailable'));
  }
}
