import { describe, expect, it } from 'vitest';
import { ValidationError } from '../lib/errors.js';
import { parseScopes, scopesAllow, scopeWithin } from './scopes.js';

describe('parseScopes', () => {
  it('accepts arrays and comma or space separated strings, deduplicated', () => {
    expect(parseScopes(['api', 'read_user'])).toEqual(['api', 'read_user']);
    expect(parseScopes('read_repository, write_repository read_repository')).toEqual(['read_repository', 'write_repository']);
  });

  it('rejects unknown and empty scope lists, naming the field', () => {
    expect(() => parseScopes(['api', 'admin'])).toThrow(ValidationError);
    expect(() => parseScopes('')).toThrow(/scopes is missing/);
    try {
      parseScopes(['nope']);
    } catch (err) {
      expect((err as ValidationError).field).toBe('scopes');
    }
  });
});

describe('scopesAllow (DESIGN.md table)', () => {
  it.each([
    ['read_repository', ['read_repository', 'write_repository', 'api', 'read_api'], ['read_user', 'read_registry', 'write_registry', 'sudo']],
    ['write_repository', ['write_repository', 'api'], ['read_repository', 'read_api', 'read_user']],
    ['read_user', ['read_user', 'read_api', 'api'], ['read_repository']],
    ['write_api', ['api'], ['read_api', 'write_repository']],
    ['read_registry', ['read_registry', 'write_registry', 'api'], ['read_repository']],
    ['write_registry', ['write_registry', 'api'], ['read_registry']],
  ] as const)('%s', (ability, allowed, denied) => {
    for (const s of allowed) expect(scopesAllow([s], ability), s).toBe(true);
    for (const s of denied) expect(scopesAllow([s], ability), s).toBe(false);
  });
});

describe('scopeWithin (attenuation)', () => {
  it.each([
    ['read_user', ['api'], true],
    ['read_api', ['api'], true],
    ['write_repository', ['read_repository'], false],
    ['read_repository', ['write_repository'], true],
    ['read_api', ['read_user', 'read_repository'], false],
    ['read_registry', ['write_registry'], true],
    ['sudo', ['api'], false],
    ['sudo', ['sudo'], true],
  ] as const)('%s within %j → %s', (scope, parent, within) => {
    expect(scopeWithin(scope, parent)).toBe(within);
  });
});
