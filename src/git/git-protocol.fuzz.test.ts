import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { anyString, fromPieces, mutated } from '../../test/support/fuzz-arbitraries.js';
import { fuzzIt } from '../../test/support/fuzz.js';
import { parseGitProtocol } from './git-protocol.js';

const service = fc.constantFrom('git-upload-pack', 'git-receive-pack') as fc.Arbitrary<'git-upload-pack' | 'git-receive-pack'>;
const word = fc.stringMatching(/^[0-9A-Za-z]{1,12}$/);
const pair = fc.oneof(fc.constantFrom('version=0', 'version=1', 'version=2', 'objectformat=sha1'), fc.tuple(word, word).map(([k, v]) => `${k}=${v}`));
/** Headers of the accepted grammar: `key=value` pairs of letters and digits joined by `:`, at most 256 characters. */
const valid = fc.array(pair, { minLength: 1, maxLength: 8 }).map((pairs) => pairs.join(':'));
// What git's environment may receive from a client, and nothing else.
const GRAMMAR = /^[0-9A-Za-z]+=[0-9A-Za-z]+(:[0-9A-Za-z]+=[0-9A-Za-z]+)*$/;

describe('parseGitProtocol (fuzz)', () => {
  fuzzIt('never throws, on any header', 4000, () =>
    fc.property(fc.option(fc.oneof(anyString(), fromPieces(['version', '=', '2', ':', 'a=b', ' ', ';'])), { nil: undefined }), service, (header, s) => {
      const parsed = parseGitProtocol(header, s);
      expect(typeof parsed.v2).toBe('boolean');
    }),
  );

  fuzzIt('passes every header of the grammar through unchanged; v2 only for upload-pack asking version=2', 4000, () =>
    fc.property(valid, service, (header, s) => {
      expect(parseGitProtocol(header, s)).toEqual({
        env: header,
        v2: s === 'git-upload-pack' && header.split(':').includes('version=2'),
      });
    }),
  );

  fuzzIt('never passes to git anything outside the grammar, nor more than 256 characters', 5000, () =>
    fc.property(fc.oneof(anyString(), mutated(valid), valid.map((v) => `${v}:${v}:${v}:${v}:${v}`)), service, (header, s) => {
      const parsed = parseGitProtocol(header, s);
      if (parsed.env === null) {
        expect(parsed.v2).toBe(false);
        return;
      }
      expect(parsed.env).toBe(header);
      expect(parsed.env).toMatch(GRAMMAR);
      expect(parsed.env.length).toBeLessThanOrEqual(256);
      if (parsed.v2) expect(s === 'git-upload-pack' && parsed.env.split(':').includes('version=2')).toBe(true);
    }),
  );
});
