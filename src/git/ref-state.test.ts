import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RefStates } from './ref-state.js';

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'gitgate-refstate-'));
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

function bareRepo(): string {
  const repo = fs.mkdtempSync(path.join(base, 'r-'));
  execFileSync('git', ['init', '--bare', '--quiet', repo]);
  return repo;
}

describe('RefStates', () => {
  it('gives the same digest while nothing changes, and a new one for a new, changed or removed ref', () => {
    const repo = bareRepo();
    const states = new RefStates();
    const ref = path.join(repo, 'refs/heads/main');
    const digests = [states.read(repo)!.digest, states.read(repo)!.digest];
    fs.writeFileSync(`${ref}.lock`, `${'a'.repeat(40)}\n`);
    fs.renameSync(`${ref}.lock`, ref);
    digests.push(states.read(repo)!.digest);
    fs.writeFileSync(`${ref}.lock`, `${'b'.repeat(40)}\n`);
    fs.renameSync(`${ref}.lock`, ref);
    digests.push(states.read(repo)!.digest);
    fs.rmSync(ref);
    digests.push(states.read(repo)!.digest);
    expect(digests[0]).toBe(digests[1]);
    expect(new Set(digests.slice(1)).size).toBe(4);
  });

  it('counts a state as settled only once every file is older than the margin', () => {
    const repo = bareRepo();
    expect(new RefStates(512, 2000).read(repo)!.settled).toBe(false);
    expect(new RefStates(512, 2000, () => Date.now() + 2500).read(repo)!.settled).toBe(true);
  });

  it('reads nothing for repositories with more entries than its limit', () => {
    const repo = bareRepo();
    for (let i = 0; i < 10; i++) fs.writeFileSync(path.join(repo, `refs/heads/b${i}`), `${'c'.repeat(40)}\n`);
    expect(new RefStates(8).read(repo)).toBeNull();
    expect(new RefStates(64).read(repo)).not.toBeNull();
  });
});
