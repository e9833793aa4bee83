import { describe, expect, it } from 'vitest';
import { refSearch } from './ref-search.js';

const names = ['main', 'feature/login', 'Feature/Logout', 'hotfix-2021', 'release/1.0', 'fix', 'prefix-fix', 'a$b', 'x^y'];
const found = (term: string) => names.filter((n) => refSearch(term).matches(n));

describe('refSearch (GitLab GitRefsFinder)', () => {
  it('matches a plain term as a case-insensitive substring, the exact match first', () => {
    expect(found('feature')).toEqual(['feature/login', 'Feature/Logout']);
    expect(found('FIX')).toEqual(['hotfix-2021', 'fix', 'prefix-fix']);
    expect(refSearch('fix').order(found('fix'), (n) => n)).toEqual(['fix', 'hotfix-2021', 'prefix-fix']);
  });

  it('anchors with ^ and $, and takes * as any run of characters', () => {
    expect(found('^feat')).toEqual(['feature/login', 'Feature/Logout']);
    expect(found('fix$')).toEqual(['fix', 'prefix-fix']);
    expect(found('^fix$')).toEqual(['fix']);
    expect(found('f*x')).toEqual(['hotfix-2021', 'fix', 'prefix-fix']);
    expect(found('^f*out$')).toEqual(['Feature/Logout']);
    expect(found('^*')).toEqual(names);
    expect(found('*')).toEqual(names);
    expect(found('^release/*.0$')).toEqual(['release/1.0']);
    expect(found('^a*a$')).toEqual([]);
  });

  it('keeps the order of a search with operators; an anchor that cannot hold matches nothing, later ones are characters', () => {
    expect(refSearch('^f').order(['x', 'y'], (n) => n)).toEqual(['x', 'y']);
    expect(found('a$b')).toEqual([]);
    expect(found('x^y')).toEqual([]);
    expect(found('$')).toEqual(names);
    expect(found('*^fix')).toEqual(['fix']);
    expect(found('fix$*')).toEqual(['fix', 'prefix-fix']);
    expect(found('^a$b$')).toEqual([]);
    expect(found('*$b')).toEqual([]);
    expect(found('^x^y')).toEqual(['x^y']);
  });

  it('stays fast on a pathological pattern', () => {
    const name = 'a'.repeat(255);
    expect(refSearch(`^${'*a'.repeat(100)}*b$`).matches(name)).toBe(false);
  });
});
