import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_GIT_PATH } from './git-env.js';
import { GitBinaryError, GitCheck, probeGit } from './git-version.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitgate-git-version-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A fake `git` whose `--version` runs `body` (a shell script). */
function fakeGit(name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

describe('probeGit', () => {
  it('finds git on the PATH git runs with and reads its version', async () => {
    const found = await probeGit('git', DEFAULT_GIT_PATH);
    expect(found.path).toMatch(/\/git$/);
    expect(found.version).toMatch(/^2\.\d+/);
  });

  it.each([
    ['missing', () => path.join(dir, 'no-such-git'), /no-such-git --version failed: ENOENT/],
    ['not on the PATH', () => 'git-that-is-nowhere', /"git-that-is-nowhere" is not an executable on the PATH git runs with/],
    ['failing', () => fakeGit('failing', 'echo "libcurl.so.4: cannot open shared object file" >&2; exit 127'), /--version failed: libcurl\.so\.4/],
    ['not git', () => fakeGit('not-git', 'echo "hello"'), /did not print a git version \("hello"\)/],
    ['too old', () => fakeGit('old', 'echo "git version 2.31.8"'), /is git 2\.31\.8; gitgate needs git 2\.32 or newer/],
  ])('refuses a %s git with a GitBinaryError saying why', async (_name, bin, reason) => {
    const error = await probeGit(bin(), DEFAULT_GIT_PATH).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitBinaryError);
    expect((error as Error).message).toMatch(reason);
  });

  it('accepts 2.32 and later, with vendor suffixes', async () => {
    expect((await probeGit(fakeGit('new', 'echo "git version 2.32.0"'), '/bin')).version).toBe('2.32.0');
    expect((await probeGit(fakeGit('apple', 'echo "git version 2.39.3 (Apple Git-145)"'), '/bin')).version).toBe('2.39.3');
    expect((await probeGit(fakeGit('three', 'echo "git version 3.0"'), '/bin')).version).toBe('3.0');
  });
});

describe('GitCheck', () => {
  it('runs --version again only when the binary changed, and fails once it is gone', async () => {
    const counter = path.join(dir, 'runs');
    const bin = fakeGit('counted', `echo x >> ${counter}; echo "git version 2.40.1"`);
    const check = new GitCheck(bin, '/bin');
    await check.check();
    await check.check();
    expect(fs.readFileSync(counter, 'utf8')).toBe('x\n');
    fs.rmSync(bin);
    fakeGit('counted', `echo x >> ${counter}; echo "git version 2.10.0"`);
    await expect(check.check()).rejects.toThrow(/needs git 2\.32/);
    fs.rmSync(bin);
    await expect(check.check()).rejects.toThrow(GitBinaryError);
  });
});
