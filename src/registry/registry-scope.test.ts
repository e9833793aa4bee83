import { describe, expect, it } from 'vitest';
import { ValidationError } from '../lib/errors.js';
import { MAX_RESOURCES, parseRegistryScopes } from './registry-scope.js';

describe('parseRegistryScopes', () => {
  it('parses one item per parameter and space-separated items, merging the same resource', () => {
    expect(
      parseRegistryScopes(['repository:alice/app:pull', 'repository:alice/app/web:pull,push repository:alice/app:push,pull', 'registry:catalog:*']),
    ).toEqual([
      { type: 'repository', name: 'alice/app', actions: ['pull', 'push'] },
      { type: 'repository', name: 'alice/app/web', actions: ['pull', 'push'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
  });

  it('keeps a resource class and unknown action words for the policy to leave out', () => {
    expect(parseRegistryScopes(['repository(plugin):alice/app:pull,frob'])).toEqual([
      { type: 'repository(plugin)', name: 'alice/app', actions: ['pull', 'frob'] },
    ]);
  });

  it('accepts no scope at all (docker login)', () => {
    expect(parseRegistryScopes([])).toEqual([]);
    expect(parseRegistryScopes([''])).toEqual([]);
  });

  it.each([
    ['repository:alice/app', 'not type:name:actions'],
    ['alice/app:pull', 'not type:name:actions'],
    ['alice/x:app:pull', 'not a resource type'],
    [':alice/app:pull', 'not type:name:actions'],
    ['Repository:alice/app:pull', 'not a resource type'],
    ['repository:Alice/app:pull', 'not a repository name'],
    ['repository:alice//app:pull', 'not a repository name'],
    ['repository:alice/app/:pull', 'not a repository name'],
    ['repository:/alice/app:pull', 'not a repository name'],
    ['repository:alice/../app:pull', 'not a repository name'],
    ['repository:alice/a%2fb:pull', 'not a repository name'],
    ['repository:127.0.0.1:5000/alice/app:pull', 'not a repository name'],
    ['repository:alice/app:', 'not a list of actions'],
    ['repository:alice/app:pull,', 'not a list of actions'],
    ['repository:alice/app:PULL', 'not a list of actions'],
    ['repository:alice/app:pull;push', 'not a list of actions'],
    [`repository:${'a'.repeat(256)}:pull`, 'not a repository name'],
  ])('refuses %j (%s)', (scope, why) => {
    expect(() => parseRegistryScopes([scope])).toThrow(ValidationError);
    expect(() => parseRegistryScopes([scope])).toThrow(why);
  });

  it('bounds the number of resources', () => {
    const many = Array.from({ length: MAX_RESOURCES + 1 }, (_, i) => `repository:alice/app${i}:pull`);
    expect(() => parseRegistryScopes(many)).toThrow(/more than 50/);
    expect(parseRegistryScopes(many.slice(1))).toHaveLength(MAX_RESOURCES);
  });
});
