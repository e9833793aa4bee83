import { describe, expect, it } from 'vitest';
import { safeReturnTo } from './return-to.js';

describe('safeReturnTo', () => {
  it.each([
    ['/-/user_settings/personal_access_tokens', '/-/user_settings/personal_access_tokens'],
    ['/-/user_settings/personal_access_tokens?name=ci&scopes=api', '/-/user_settings/personal_access_tokens?name=ci&scopes=api'],
    ['/a/../b', '/b'],
  ])('keeps the local path %s', (input, expected) => {
    expect(safeReturnTo(input)).toBe(expected);
  });

  it.each([
    'https://evil.example/',
    '//evil.example/',
    '/\\evil.example/',
    '/\t/evil.example',
    '/\n/evil.example',
    '/.//evil.example',
    '/a/..//evil.example/x',
    '/%2e%2e//evil.example',
    '/./%2e//evil.example',
    'javascript:alert(1)',
    'relative/path',
    '',
    '/' + 'a'.repeat(3000),
    undefined,
    ['/x'],
  ])('refuses %j', (input) => {
    expect(safeReturnTo(input)).toBeNull();
  });
});
