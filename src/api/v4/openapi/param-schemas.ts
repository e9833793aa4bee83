/**
 * JSON Schemas of a route's parameters, generated from its zod schema with
 * `z.toJSONSchema` as the input a client sends. Two readings zod's converter
 * does not make for the API's coercing parameters (`int()`, `id()`, …) are
 * added: a pipe that coerces and then narrows (`int().pipe(z.literal(…))`)
 * is documented with the narrowing too, and a parameter is required when
 * validation refuses its absence.
 */
import { z } from 'zod';
import type { Schema } from './schemas.js';

/** The properties of a parameter object and which of them are required. */
export interface ParamSchemas {
  properties: Record<string, Schema>;
  required: string[];
}

type ZodNode = z.core.$ZodType;
type Bound = (a: number, b: number) => number;

/** The keywords where narrowing keeps the stricter of two bounds. */
const TIGHTER: Partial<Record<string, Bound>> = {
  minimum: Math.max,
  exclusiveMinimum: Math.max,
  minLength: Math.max,
  minItems: Math.max,
  maximum: Math.min,
  exclusiveMaximum: Math.min,
  maxLength: Math.min,
  maxItems: Math.min,
};

const isTransform = (schema: ZodNode): boolean => schema._zod.traits.has('$ZodTransform');

/** `target` restricted further by `later`, the schema a pipe's value must pass next. */
function narrow(target: Schema, later: Schema): void {
  // A list of the values allowed makes the bounds of the stage before it moot.
  if ('enum' in later || 'const' in later) for (const key of Object.keys(TIGHTER)) delete target[key];
  for (const [key, value] of Object.entries(later)) {
    if (key === '$schema' || (key === 'type' && value === 'number' && target.type === 'integer')) continue;
    const tighter = TIGHTER[key];
    const current = target[key];
    target[key] = tighter && typeof current === 'number' && typeof value === 'number' ? tighter(current, value) : value;
  }
}

const OPTIONS = { io: 'input', unrepresentable: 'any', target: 'draft-2020-12', override: complete } as const;

/** Adds what zod's converter leaves out (see the module comment) to the schema generated for `zodSchema`. */
function complete({ zodSchema, jsonSchema }: { zodSchema: z.core.$ZodTypes; jsonSchema: Schema }): void {
  const def = zodSchema._zod.def;
  if (def.type === 'pipe' && !isTransform(def.in) && !isTransform(def.out)) {
    narrow(jsonSchema, z.toJSONSchema(def.out, OPTIONS) as Schema);
  }
  if (def.type === 'object') {
    const required = Object.entries(def.shape).filter(([, field]) => !z.safeParse(field, undefined).success);
    if (required.length > 0) jsonSchema.required = required.map(([name]) => name);
    else delete jsonSchema.required;
  }
}

/**
 * The parameters `schema` (a `z.object`) accepts, as JSON Schemas.
 *
 * @example paramSchemas(z.object({ page: int().optional() }))
 * // { properties: { page: { type: 'integer', minimum: -2147483647, maximum: 2147483647 } }, required: [] }
 */
export function paramSchemas(schema: z.ZodType): ParamSchemas {
  const json = z.toJSONSchema(schema, OPTIONS) as { properties?: Record<string, Schema>; required?: string[] };
  return { properties: json.properties ?? {}, required: json.required ?? [] };
}
