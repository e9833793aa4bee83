import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { fromPieces } from '../../../test/support/fuzz-arbitraries.js';
import { fuzzIt } from '../../../test/support/fuzz.js';
import { refSearch } from './ref-search.js';

const text = fromPieces(['a', 'b', 'A', '/', '-', '.', '^', '$', '*', '?', '(', '[', '\\', 'é'], 8);

/**
 * GitLab's GitRefsFinder#filter_refs, transcribed: quote, unescape the first
 * ^ and $ and every *, match. (Ruby's ^ and $ also match at line breaks, which
 * ref names never hold: the names below have none.)
 */
function gitlab(term: string, name: string): boolean {
  let source = term.toLowerCase().replace(/[.*+?^${}()|[\]\\\/]/g, '\\$&');
  if (/[\^$*]/.test(term)) source = source.replace('\\^', '^').replace(/\\\*/g, '.*?').replace('\\$', '$');
  return new RegExp(source, 's').test(name.toLowerCase());
}

describe('refSearch (fuzz)', () => {
  fuzzIt("matches exactly what GitLab's regular expression matches", 5000, () =>
    fc.property(text, text.filter((name) => !/[\n\r]/.test(name)), (term, name) => {
      expect(refSearch(term).matches(name)).toBe(gitlab(term, name));
    }),
  );
});
