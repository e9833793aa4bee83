import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { anyString, fromPieces } from '../../test/support/fuzz-arbitraries.js';
import { fuzzIt } from '../../test/support/fuzz.js';
import { isValidPathSegment } from '../lib/path-segment.js';
import { matchGitPath } from './git-path.js';

const ENDPOINTS = { '/info/refs': 'info-refs', '/git-upload-pack': 'git-upload-pack', '/git-receive-pack': 'git-receive-pack' } as const;
const endpoint = fc.constantFrom(...(Object.keys(ENDPOINTS) as (keyof typeof ENDPOINTS)[]));

/** A segment GitLab's path rule accepts. */
const segment = fc
  .tuple(fc.stringMatching(/^[A-Za-z0-9_]$/), fc.stringMatching(/^[A-Za-z0-9_.-]{0,20}$/))
  .map(([first, rest]) => first + rest)
  .filter(isValidPathSegment);

/** `text` with some characters percent-encoded, as a client may send them. */
const percentEncoded = (text: string): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom('as-is', 'lower', 'upper'), { minLength: text.length, maxLength: text.length }).map((how) =>
    [...text]
      .map((c, i) => {
        const hex = c.charCodeAt(0).toString(16).padStart(2, '0');
        return how[i] === 'as-is' ? c : `%${how[i] === 'upper' ? hex.toUpperCase() : hex}`;
      })
      .join(''),
  );

/** Segments that must never reach the repository store. */
const EVIL_SEGMENTS = [
  '', '.', '..', '%2e', '%2e%2e', '%2E%2E', '.%2e', '%2e.', '...', '%252e%252e', '..%2f', '%2f', '%2F', '%5c', '\\', '..\\x',
  'a%2fb', 'a%2Fb', '%2fetc', 'a%00', '%00', 'a\0', 'a%0a', 'a\n', 'a b', 'a%20', '%zz', '%', 'a%',
  '.git', 'x.git.git', 'x.atom', '.hidden', '-x', 'a..b', 'é', '%c3%a9', 'a\u2028', '\uff0e\uff0e', 'a;b', 'a:b', 'a?b', 'a#b', 'x'.repeat(256),
];

describe('matchGitPath (fuzz)', () => {
  fuzzIt('never throws; answers null, not-found or a smart endpoint', 4000, () =>
    fc.property(
      fc.oneof(
        anyString(),
        fromPieces(['/', '/', 'alice', 'demo', '.git', '/info/refs', '/git-upload-pack', '/HEAD', '/objects', '%2e', '%2f', '%', '..']),
      ),
      (path) => {
        const match = matchGitPath(path);
        expect(match === null || match.kind === 'not-found' || match.kind === 'smart').toBe(true);
      },
    ),
  );

  fuzzIt('recognizes every well-formed repository path, decoded exactly', 4000, () =>
    fc.property(
      segment.chain((ns) => percentEncoded(ns).map((raw) => [ns, raw] as const)),
      segment.chain((p) => percentEncoded(p).map((raw) => [p, raw] as const)),
      fc.boolean(),
      endpoint,
      ([namespace, rawNamespace], [project, rawProject], dotGit, tail) => {
        expect(matchGitPath(`/${rawNamespace}/${rawProject}${dotGit ? '.git' : ''}${tail}`)).toEqual({
          kind: 'smart',
          namespace,
          project,
          endpoint: ENDPOINTS[tail],
        });
      },
    ),
  );

  fuzzIt('refuses traversal, separators, NUL and bad encodings in either position', 4000, () =>
    fc.property(segment, fc.constantFrom(...EVIL_SEGMENTS), fc.boolean(), fc.boolean(), endpoint, (good, evil, evilFirst, dotGit, tail) => {
      const [ns, project] = evilFirst ? [evil, good] : [good, evil];
      const match = matchGitPath(`/${ns}/${project}${dotGit ? '.git' : ''}${tail}`);
      expect(match?.kind ?? null).not.toBe('smart');
    }),
  );

  fuzzIt('refuses any other number of segments before the endpoint', 2000, () =>
    fc.property(fc.array(segment, { maxLength: 5 }).filter((s) => s.length !== 2), endpoint, (segments, tail) => {
      expect(matchGitPath(`/${segments.join('/')}${tail}`)?.kind ?? null).not.toBe('smart');
    }),
  );

  fuzzIt('never yields a name that escapes: both are valid segments, free of /, \\, .., NUL and %', 5000, () =>
    fc.property(
      fc.oneof(
        fc.tuple(fc.oneof(segment, fromPieces(['a', '.', '%2e', '%2f', '%5c', '%00', '/', '\\', 'git', '%'], 6)), fromPieces(['b', '.', '%2e', '%2f', '.git', '%', '/'], 6), endpoint).map(
          ([a, b, tail]) => `/${a}/${b}${tail}`,
        ),
        anyString().map((s) => `/${s}/info/refs`),
      ),
      (path) => {
        const match = matchGitPath(path);
        if (match?.kind !== 'smart') return;
        for (const name of [match.namespace, match.project]) {
          expect(isValidPathSegment(name)).toBe(true);
          expect(name).not.toMatch(/[/\\\0%]|\.\./);
        }
      },
    ),
  );
});
