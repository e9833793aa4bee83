import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { fromPieces } from '../../test/support/fuzz-arbitraries.js';
import { fuzzIt } from '../../test/support/fuzz.js';
import { isValidRefName } from './ref-name.js';

const name = fromPieces(['a', 'B', '/', '.', '..', '-', '@', '{', '}', '.lock', 'é', ' ', '~', '^', ':', '?', '*', '[', '\\', '\t', '\u007f', '//'], 8);

/** git's own verdict on `refs/heads/<name>`. */
function gitAccepts(value: string): boolean {
  return spawnSync('git', ['check-ref-format', `refs/heads/${value}`], { env: { PATH: process.env.PATH }, stdio: 'ignore' }).status === 0;
}

describe('isValidRefName (fuzz)', () => {
  fuzzIt('agrees with git check-ref-format (but refuses a lone "@", which git branch refuses too)', 400, () =>
    fc.property(name, (value) => {
      expect(isValidRefName(value)).toBe(value !== '@' && !value.includes('\0') && gitAccepts(value));
    }),
  );
});
