import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ValidationError } from '../../lib/errors.js';
import { bool, dateTime, idParam, int, isoDate, list, parseParams, requestParams, text } from './params.js';

const schema = z.object({
  name: text(10),
  count: int().optional(),
  flag: bool().optional(),
  on: isoDate().optional(),
  at: dateTime().optional(),
  kind: z.enum(['a', 'b']).optional(),
  scopes: list().optional(),
});

function failure(input: Record<string, unknown>): { field: string; message: string } {
  try {
    parseParams(schema, input);
  } catch (err) {
    if (err instanceof ValidationError) return { field: err.field, message: err.message };
  }
  throw new Error('expected a ValidationError');
}

describe('requestParams', () => {
  it('merges query and body, the body winning, and reads key[] as arrays', () => {
    const req = { query: { name: 'q', 'scopes[]': 'api', page: '2' }, body: { name: 'b', 'ids[]': ['1', '2'] } } as unknown as Request;
    expect(requestParams(req)).toEqual({ name: 'b', scopes: ['api'], page: '2', ids: ['1', '2'] });
  });
});

describe('parseParams', () => {
  it('coerces strings the way form bodies send them', () => {
    expect(parseParams(schema, { name: 'x', count: '12', flag: 'false', on: '2030-01-31', at: '2030-01-31', scopes: 'api,read_user' })).toEqual({
      name: 'x',
      count: 12,
      flag: false,
      on: '2030-01-31',
      at: new Date('2030-01-31T00:00:00Z'),
      scopes: 'api,read_user',
    });
    expect(parseParams(schema, { name: 12, flag: 1, count: 3 })).toMatchObject({ name: '12', flag: true, count: 3 });
  });

  it.each([
    [{}, 'name', 'name is missing'],
    [{ name: 'x'.repeat(11) }, 'name', 'name is invalid'],
    [{ name: 'x', count: '1.5' }, 'count', 'count is invalid'],
    [{ name: 'x', flag: 'maybe' }, 'flag', 'flag is invalid'],
    [{ name: 'x', on: '2030-02-30' }, 'on', 'on is invalid'],
    [{ name: 'x', at: 'noon' }, 'at', 'at is invalid'],
    // Found by the fuzz suite: days that do not exist rolled over into the next month.
    [{ name: 'x', at: '1970-02-29' }, 'at', 'at is invalid'],
    [{ name: 'x', at: '2030-04-31T12:00:00Z' }, 'at', 'at is invalid'],
    [{ name: 'x', kind: 'c' }, 'kind', 'kind does not have a valid value'],
    [{ count: 'x', kind: 'c' }, 'name', 'name is missing, count is invalid, kind does not have a valid value'],
  ])('refuses %j naming %s: %s', (input, field, message) => {
    expect(failure(input)).toEqual({ field, message });
  });
});

describe('idParam', () => {
  it('takes positive decimal ids within the stores’ range only', () => {
    expect(idParam('42')).toBe(42);
    for (const bad of ['abc', '-1', '1e3', '99999999999', undefined]) expect(() => idParam(bad)).toThrow('id is invalid');
    expect(() => idParam('x', 'user_id')).toThrow('user_id is invalid');
  });
});
