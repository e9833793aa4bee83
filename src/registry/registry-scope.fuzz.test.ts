import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { anyString, fromPieces, mutated } from '../../test/support/fuzz-arbitraries.js';
import { fuzzIt } from '../../test/support/fuzz.js';
import type { ResourceRequest } from '../auth/registry-authorization.js';
import { ValidationError } from '../lib/errors.js';
import { MAX_RESOURCES, parseRegistryScopes } from './registry-scope.js';

const lower = (max: number): fc.Arbitrary<string> => fc.stringMatching(new RegExp(`^[a-z0-9]{1,${max}}$`));
const type = fc.oneof(fc.constantFrom('repository', 'registry'), lower(8), fc.tuple(lower(8), lower(6)).map(([t, c]) => `${t}(${c})`));
/** A path component of distribution's reference grammar. */
const component = fc
  .tuple(lower(6), fc.array(fc.tuple(fc.constantFrom('.', '_', '__', '-', '--'), lower(6)), { maxLength: 2 }))
  .map(([first, rest]) => first + rest.map(([sep, part]) => sep + part).join(''));
const name = fc.array(component, { minLength: 1, maxLength: 4 }).map((c) => c.join('/'));
const action = fc.oneof(fc.constantFrom('pull', 'push', 'delete', '*'), fc.stringMatching(/^[a-z]{1,8}$/));
const item = fc.record({ type, name, actions: fc.array(action, { minLength: 1, maxLength: 4 }) });
const itemText = (i: { type: string; name: string; actions: string[] }): string => `${i.type}:${i.name}:${i.actions.join(',')}`;

const RESOURCE_TYPE = /^[a-z0-9]+(?:\([a-z0-9]+\))?$/;
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/** parseRegistryScopes's answer, or the ValidationError it threw. */
function outcome(values: string[]): ResourceRequest[] | ValidationError {
  try {
    return parseRegistryScopes(values);
  } catch (err) {
    if (err instanceof ValidationError && err.field === 'scope') return err;
    throw err;
  }
}

const hostile = fc.array(
  fc.oneof(
    anyString(),
    fromPieces(['repository', ':', 'alice/app', '/', 'pull', ',', 'push', '*', ' ', '(x)', '..', 'A', '-', '__', 'localhost:5000/']),
    mutated(item.map(itemText)),
  ),
  { maxLength: 4 },
);

describe('parseRegistryScopes (fuzz)', () => {
  fuzzIt('never throws anything but a ValidationError on scope', 4000, () =>
    fc.property(hostile, (values) => {
      outcome(values);
    }),
  );

  fuzzIt('reads every item of the grammar, merging the same resource and its actions in order', 3000, () =>
    fc.property(fc.array(item, { maxLength: 8 }), fc.boolean(), (items, oneParameter) => {
      const texts = items.map(itemText);
      const expected = new Map<string, ResourceRequest>();
      for (const i of items) {
        const key = `${i.type} ${i.name}`;
        const merged = expected.get(key) ?? { type: i.type, name: i.name, actions: [] };
        for (const a of i.actions) if (!merged.actions.includes(a)) merged.actions.push(a);
        expected.set(key, merged);
      }
      expect(parseRegistryScopes(oneParameter ? [texts.join(' ')] : texts)).toEqual([...expected.values()]);
    }),
  );

  fuzzIt('never accepts a malformed value: every type, name and action is in the grammar, at most 50 resources', 5000, () =>
    fc.property(fc.oneof(hostile, fc.array(fc.oneof(item.map(itemText), mutated(item.map(itemText))), { maxLength: 60 })), (values) => {
      const result = outcome(values);
      if (result instanceof ValidationError) return;
      expect(result.length).toBeLessThanOrEqual(MAX_RESOURCES);
      for (const r of result) {
        expect(r.type).toMatch(RESOURCE_TYPE);
        expect(r.name.length).toBeLessThanOrEqual(255);
        for (const c of r.name.split('/')) expect(c).toMatch(COMPONENT);
        expect(r.actions.length).toBeGreaterThan(0);
        for (const a of r.actions) expect(a).toMatch(/^(?:[a-z]+|\*)$/);
        expect(new Set(r.actions).size).toBe(r.actions.length);
      }
    }),
  );

  fuzzIt('refuses more than 50 distinct resources, whatever else is asked', 500, () =>
    fc.property(fc.uniqueArray(name, { minLength: MAX_RESOURCES + 1, maxLength: MAX_RESOURCES + 5 }), (names) => {
      expect(outcome(names.map((n) => `repository:${n}:pull`))).toBeInstanceOf(ValidationError);
    }),
  );
});
