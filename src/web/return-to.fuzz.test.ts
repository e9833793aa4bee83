import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { anyString, fromPieces } from '../../test/support/fuzz-arbitraries.js';
import { fuzzIt } from '../../test/support/fuzz.js';
import { safeReturnTo } from './return-to.js';

const hostile = fc.oneof(
  anyString(),
  fromPieces(['/', '//', '\\', '/\\', 'evil.example', '.', '..', '%2f', '%5c', '@', ':', 'http:', '?', '#', '\t', '\n', '-', 'users', '%09'], 8),
  fc.jsonValue({ maxDepth: 1 }),
);
const pathSegment = fc.stringMatching(/^[A-Za-z0-9_~-]{1,12}$/);

describe('safeReturnTo (fuzz)', () => {
  fuzzIt('never throws, whatever the value', 4000, () =>
    fc.property(hostile, (value) => {
      const result = safeReturnTo(value);
      expect(result === null || typeof result === 'string').toBe(true);
    }),
  );

  fuzzIt('keeps every plain local path and query as it is', 3000, () =>
    fc.property(fc.array(pathSegment, { minLength: 1, maxLength: 5 }), fc.option(fc.stringMatching(/^[a-z]{1,5}=[a-z0-9]{0,5}$/), { nil: undefined }), (segments, query) => {
      const path = `/${segments.join('/')}${query ? `?${query}` : ''}`;
      expect(safeReturnTo(path)).toBe(path);
    }),
  );

  fuzzIt('never leaves the server: whatever it returns stays on the same origin in a browser, and is stable', 5000, () =>
    fc.property(hostile, (value) => {
      const result = safeReturnTo(value);
      if (result === null) return;
      expect(result.startsWith('/') && !result.startsWith('//') && !result.startsWith('/\\')).toBe(true);
      expect(result).not.toMatch(/[\u0000-\u001f\u007f\\]/);
      // The browser resolves the Location header against the page: it must stay on the same origin.
      expect(new URL(result, 'https://gitgate.example/users/sign_in').origin).toBe('https://gitgate.example');
      expect(safeReturnTo(result)).toBe(result);
    }),
  );
});
