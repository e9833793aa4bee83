import { describe, expect, it } from 'vitest';
import { isValidRefPattern, refMatcher, refPatternWithin } from './ref-pattern.mjs';

describe('ref patterns', () => {
  it.each([
    ['refs/heads/bot/*', 'refs/heads/bot/a', true],
    ['refs/heads/bot/*', 'refs/heads/bot/a/b', false],
    ['refs/heads/bot/**', 'refs/heads/bot/a/b', true],
    ['refs/tags/v*', 'refs/tags/v1.2', true],
    ['refs/tags/v*', 'refs/tags/x1', false],
    ['refs/heads/[ab]x', 'refs/heads/bx', true],
    ['refs/heads/?', 'refs/heads/ab', false],
    ['refs/heads/main', 'refs/heads/main', true],
    ['refs/heads/main', 'refs/heads/mainline', false],
    ['refs/heads/*', 'refs/heads/.hidden', true],
  ])('%s matches %s: %s', (pattern, ref, matches) => {
    expect(refMatcher([pattern])(ref)).toBe(matches);
  });

  it.each([
    ['refs/heads/bot/*', true],
    ['refs/tags/v[0-9]*', true],
    ['heads/main', false],
    ['refs/', false],
    ['refs/heads/a..b', false],
    ['refs/heads/a b', false],
    ['refs/heads/{a,b}', false],
    ['refs/heads/+(a)', false],
    ['refs/heads/x.lock', false],
    ['refs/heads/', false],
    ['refs/heads//x', false],
    ['refs/heads/a\\b', false],
    [`refs/${'x'.repeat(260)}`, false],
  ])('%s is valid: %s', (pattern, valid) => {
    expect(isValidRefPattern(pattern)).toBe(valid);
  });

  it.each([
    ['refs/heads/bot/*', 'refs/heads/bot/*', true],
    ['refs/heads/bot/x', 'refs/heads/bot/*', true],
    ['refs/heads/bot/x/y', 'refs/heads/bot/*', false],
    ['refs/heads/bot/a*', 'refs/heads/bot/*', true],
    ['refs/heads/bot/*/*', 'refs/heads/bot/*', false],
    ['refs/heads/bot/**', 'refs/heads/bot/*', false],
    ['refs/heads/bot/x/*', 'refs/heads/bot/**', true],
    ['refs/heads/**', 'refs/heads/bot/**', false],
    ['refs/heads/b*', 'refs/heads/bot/*', false],
    ['refs/heads/[ab]', 'refs/heads/a', false],
  ])('%s within %s: %s', (child, parent, within) => {
    expect(refPatternWithin(child, parent)).toBe(within);
  });
});
