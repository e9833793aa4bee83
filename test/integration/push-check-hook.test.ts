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

type Files = Record<string, string | Buffer>;

/**
 * Pushes one commit per entry of `commits` (a string is one commit of
 * file.txt) to a new bare repository; `config` is passed to receive-pack
 * (`-c`), and so reaches its hooks' git commands too.
 */
async function pushWith(commits: string | Files | Files[], config: string[] = []): Promise<{ code: number | null; stderr: string; moved: boolean }> {
  const bare = tempDir();
  await gitOk(['init', '-q', '--bare', '-b', 'main', bare]);
  const work = tempDir();
  await gitOk(['init', '-q', '-b', 'main', work]);
  for (const [i, files] of (typeof commits === 'string' ? [{ 'file.txt': commits }] : Array.isArray(commits) ? commits : [commits]).entries()) {
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(work, name), content);
    await gitOk(['-C', work, 'add', '.']);
    await gitOk(['-C', work, 'commit', '-q', '-m', `commit ${i}`]);
  }
  const env = {
    GITGATE_NODE: process.execPath,
    GITGATE_PUSH_CHECK_SOCKET: path.join(tempDir(), 'nobody-listens.sock'),
    GITGATE_PUSH_CHECK_TICKET: 'ticket',
    GITGATE_TOKEN_PREFIX: 'glpat-',
  };
  const receivePack = ['git', ...config.map((c) => `-c ${c}`), `-c core.hooksPath=${PUSH_HOOKS_DIR}`, 'receive-pack'].join(' ');
  const r = await git(['-C', work, 'push', `--receive-pack=${receivePack}`, bare, 'main'], { env });
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

  it('finds a token-shaped string after NUL bytes and bytes that are not UTF-8 (a binary file)', async () => {
    const token = new TokenCodec('glpat-', Buffer.alloc(32)).generate();
    const binary = Buffer.concat([Buffer.from([0, 0, 0xff, 0xfe, 0xc3]), Buffer.alloc(5000, 0x80), Buffer.from(token), Buffer.from([0, 0xff])]);
    const r = await pushWith({ 'blob.bin': binary });
    expect(r.moved).toBe(false);
    expect(r.stderr).toMatch(/secret push protection is unavailable/);
  });

  it('finds a token-shaped string in a blob the pushed pack holds as a delta', async () => {
    const token = new TokenCodec('glpat-', Buffer.alloc(32)).generate();
    const text = Array.from({ length: 400 }, (_, i) => `line ${i} of a configuration file\n`).join('');
    // git deltifies the smaller of two similar blobs against the larger: the token's version here.
    const later = `${text}TOKEN is read from the environment at start (GITGATE_TOKEN), never from this file; see the README\n`;
    // git unpacks a push of fewer than 100 objects into loose ones; this keeps the pack, deltas and all.
    const r = await pushWith([{ 'settings.txt': `${text}TOKEN=${token}\n` }, { 'settings.txt': later }], ['receive.unpackLimit=1']);
    expect(r.moved).toBe(false);
    expect(r.stderr).toMatch(/secret push protection is unavailable/);
  });

  it('reads a search that fails as a candidate, not as nothing found: node decides', async () => {
    const token = new TokenCodec('glpat-', Buffer.alloc(32)).generate();
    // git grep dies on this setting (`bad numeric config value`); the listing and node's own scan do not read it.
    const r = await pushWith(`TOKEN=${token}\n`, ['grep.threads=many']);
    expect(r.moved).toBe(false);
    expect(r.stderr).toMatch(/secret push protection is unavailable/);
  });

  it('lets a push without token-shaped strings through: there is nothing to ask', async () => {
    const r = await pushWith('nothing secret here; glpat-short\n');
    expect(r.code, r.stderr).toBe(0);
    expect(r.moved).toBe(true);
  });
});
