import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSnapshots } from './config-snapshots.js';

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitgate-config-snapshots-'));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('ConfigSnapshots', () => {
  it('sees every in-place rewrite of the same size, however quick (racy files are always read)', async () => {
    const file = path.join(dir, 'racy');
    const snapshots = new ConfigSnapshots();
    for (let i = 0; i < 20; i++) {
      const value = i % 2 ? 'true ' : 'false';
      fs.writeFileSync(file, `[uploadpack]\n\tallowFilter = ${value}\n`);
      const expected = new ConfigSnapshots().read(file)!.digest;
      expect((snapshots.read(file))!.digest).toBe(expected);
    }
  });

  it('trusts an unchanged stat once the file has settled, and notices a replacement', async () => {
    const file = path.join(dir, 'settled');
    fs.writeFileSync(file, '[core]\n\tbare = true\n');
    const snapshots = new ConfigSnapshots(10, 2000, () => Date.now() + 10_000);
    const first = snapshots.read(file);
    expect(snapshots.read(file)).toBe(first);
    const replacement = `${file}.lock`;
    fs.writeFileSync(replacement, '[core]\n\tbare = false\n');
    fs.renameSync(replacement, file);
    expect((snapshots.read(file))!.digest).not.toBe(first!.digest);
  });

  it.each([
    ['[include]\n\tpath = other\n', false],
    ['[IncludeIf "gitdir:/srv/"]\n\tpath = other\n', false],
    ['[extensions]\n\tworktreeConfig = true\n', false],
    ['[transfer]\n\tadvertiseSID = true\n', false],
    ['[uploadpack]\n\tallowFilter = true\n', true],
  ])('marks %j cacheable: %s', async (text, cacheable) => {
    const file = path.join(dir, `c-${Math.random().toString(36).slice(2)}`);
    fs.writeFileSync(file, text);
    expect(new ConfigSnapshots().read(file)!.cacheable).toBe(cacheable);
  });

  it('answers null for a missing file or a directory', async () => {
    const snapshots = new ConfigSnapshots();
    expect(snapshots.read(path.join(dir, 'missing'))).toBeNull();
    expect(snapshots.read(dir)).toBeNull();
  });
});
