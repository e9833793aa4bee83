/**
 * gitgate's pre-receive hook on its own, under a local `git push` (no
 * gateway): when the gateway's push check cannot be asked, a push with
 * token-shaped strings is refused (fail closed), and nothing moves; a push
 * without any has nothing to ask and goes through.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PUSH_HOOKS_DIR } from '../../src/git/push-hooks.js';
import { TokenCodec } from '../../src/tokens/token-codec.js';
import { git, gitOk, tempDir } from '../support/git-cli.js';

async function pushWith(content: string | Record<string, string>): Promise<{ code: number | null; stderr: string; moved: boolean }> {
  const bare = tempDir();
  await gitOk(['init', '-q', '--bare', '-b', 'main', bare]);
  const work = tempDir();
  await gitOk(['init', '-q', '-b', 'main', work]);
  for (const [name, text] of Object.entries(typeof content === 'string' ? { 'file.txt': content } : content)) {
    fs.writeFileSync(path.join(work, name), text);
  }
  await gitOk(['-C', work, 'add', '.']);
  await gitOk(['-C', work, 'commit', '-q', '-m', 'one']);
  const env = {
    GITGATE_NODE: process.execPath,
    GITGATE_PUSH_CHECK_SOCKET: path.join(tempDir(), 'nobody-listens.sock'),
    GITGATE_PUSH_CHECK_TICKET: 'ticket',
    GITGATE_TOKEN_PREFIX: 'glpat-',
  };
  const r = await git(['-C', work, 'push', `--receive-pack=git -c core.hooksPath=${PUSH_HOOKS_DIR} receive-pack`, bare, 'main'], { env });
  const moved = (await git(['--git-dir', bare, 'rev-parse', '--verify', '-q', 'refs/heads/main'])).code === 0;
  return { code: r.code, stderr: r.stderr, moved };
}

describe("gitgate's pre-receive hook without its gateway", () => {
  it('refuses a push holding a token-shaped string: it cannot learn whether the token is live', async () => {
    const token = new TokenCodec('glpat-', Buffer.alloc(32)).generate();
    const r = await pushWith(`TOKEN=${token}\n`);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/remote: gitgate: secret push protection is unavailable \(.*\); push refused/);
    expect(r.moved).toBe(false);
  });

  it('finds a token-shaped string in whichever of the blobs it is (the prefilter reads them in two halves)', async () => {
    const token = new TokenCodec('glpat-', Buffer.alloc(32)).generate();
    const filler = (i: number) => `${String(i).repeat(4096)}\n`;
    for (let holder = 0; holder < 4; holder++) {
      const files = Object.fromEntries([0, 1, 2, 3].map((i) => [`f${i}.txt`, i === holder ? `${filler(i)}TOKEN=${token}\n` : filler(i)]));
      const r = await pushWith(files);
      expect(r.moved, `token in f${holder}.txt`).toBe(false);
      expect(r.stderr).toMatch(/secret push protection is unavailable/);
    }
    const clean = await pushWith(Object.fromEntries([0, 1, 2, 3].map((i) => [`f${i}.txt`, filler(i)])));
    expect(clean.moved, clean.stderr).toBe(true);
  });

  it('lets a push without token-shaped strings through: there is nothing to ask', async () => {
    const r = await pushWith('nothing secret here; glpat-short\n');
    expect(r.code, r.stderr).toBe(0);
    expect(r.moved).toBe(true);
  });
});
