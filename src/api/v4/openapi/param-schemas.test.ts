import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bool, dateTime, id, int, isoDate, MAX_ID, text } from '../params.js';
import { paramSchemas } from './param-schemas.js';

describe('paramSchemas', () => {
  it('documents what a client sends for the coercing parameters', () => {
    const { properties } = paramSchemas(
      z.object({ n: int(), b: bool(), t: text(10), d: isoDate(), at: dateTime(), e: z.email() }),
    );
    expect(properties.n).toEqual({ type: 'integer', minimum: -MAX_ID, maximum: MAX_ID });
    expect(properties.b).toEqual({ type: 'boolean' });
    expect(properties.t).toEqual({ type: 'string', maxLength: 10 });
    expect(properties.d).toEqual({ type: 'string', format: 'date' });
    expect(properties.at).toMatchObject({ type: 'string', format: 'date-time' });
    expect(properties.e).toMatchObject({ type: 'string', format: 'email' });
  });

  it('adds the narrowing after a coercion: bounds and enums', () => {
    const { properties } = paramSchemas(
      z.object({ id: id(), level: int().pipe(z.literal([10, 20])), small: int().pipe(z.number().max(5)) }),
    );
    expect(properties.id).toEqual({ type: 'integer', minimum: 1, maximum: MAX_ID });
    expect(properties.level).toEqual({ type: 'integer', enum: [10, 20] });
    expect(properties.small).toEqual({ type: 'integer', minimum: -MAX_ID, maximum: 5 });
  });

  it('requires exactly the parameters whose absence validation refuses', () => {
    const schema = z
      .object({
        level: int().pipe(z.literal([10, 20])),
        name: text(),
        page: int().prefault(1),
        note: text().nullable().optional(),
      })
      .refine(() => true);
    expect(paramSchemas(schema).required).toEqual(['level', 'name']);
    expect(paramSchemas(z.object({ page: int().optional() })).required).toEqual([]);
  });

  it('keeps documented defaults of absent parameters', () => {
    expect(paramSchemas(z.object({ page: int().prefault(1) })).properties.page).toMatchObject({ default: 1 });
  });
});
