/**
 * SIGTERM that reaches `gitgate serve` while it starts — a supervisor
 * stopping a service it has just started — does not kill it by the signal's
 * default action: the start finishes (a first start is not left half done),
 * nothing listens, everything closes, and it exits 0. Its drain after the
 * start is in group-stop.test.ts and serve.test.ts.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/git-cli.js';
import { serveEnv, startServe, type ServeProcess } from '../support/serve-process.js';

/** Long enough for a start on a very busy machine (20 s seen with tsx on 2 loaded cores); a process that hangs is far beyond it. */
const EXIT_WITHIN_MS = 50_000;

let proc: ServeProcess | undefined;
let dir: string | undefined;
afterEach(async () => {
  await proc?.exitWithin(0);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('gitgate serve stopped while it starts', () => {
  it('finishes the start, does not listen, closes everything and exits 0', async () => {
    dir = tempDir('gitgate-stop-starting-');
    const data = path.join(dir, 'data');
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    // `git --version` is the first thing serve runs: this git sends SIGTERM to gitgate (its parent) once, then is git.
    const git = path.join(dir, 'git');
    const marker = path.join(dir, 'signalled');
    fs.writeFileSync(git, `#!/bin/sh\nif [ "$1" = --version ] && mkdir "${marker}" 2>/dev/null; then kill -TERM $PPID; fi\nexec "${realGit}" "$@"\n`, { mode: 0o755 });

    proc = startServe(serveEnv({ GITGATE_DATA_DIR: data, GITGATE_GIT_BIN: git }));
    const exit = await proc.exitWithin(EXIT_WITHIN_MS);

    expect(exit, proc.stderr()).toEqual({ code: 0, signal: null });
    expect(fs.existsSync(marker)).toBe(true);
    expect(proc.stdout()).toMatch(/"signal":"SIGTERM".*"msg":"stopped while starting, before listening"/);
    expect(proc.stdout()).not.toContain('gitgate listening');
    expect(proc.stderr()).not.toContain('gitgate is serving');
    expect(fs.readFileSync(path.join(data, 'initial_root_password'), 'utf8').trim()).not.toBe('');
  }, EXIT_WITHIN_MS + 10_000);
});
