import { describe, expect, it } from 'vitest';
import { isValidRefName } from './ref-name.js';

describe('isValidRefName', () => {
  it.each(['main', 'feature/x', 'release-1.0', 'a/b/c', 'über', 'v1.2.3', '-dash', 'a@b'])('accepts %j', (name) => {
    expect(isValidRefName(name)).toBe(true);
  });

  it.each([
    '',
    '@',
    '.hidden',
    'a/.b',
    '.invalid',
    'a..b',
    '../x',
    'x.lock',
    'a/b.lock/c',
    'a/',
    '/a',
    'a//b',
    'a.',
    'a b',
    'a\tb',
    'a\nb',
    'a~1',
    'a^',
    'a:b',
    'a?',
    'a*',
    'a[b',
    'a\\b',
    'a@{1}',
    'del\u007f',
    'x'.repeat(1025),
  ])('refuses %j', (name) => {
    expect(isValidRefName(name)).toBe(false);
  });
});
