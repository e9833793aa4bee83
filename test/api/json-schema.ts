/**
 * A strict checker for the JSON Schema subset the OpenAPI document uses
 * ($ref, type (incl. null), enum, required, properties, additionalProperties,
 * items, oneOf, date/date-time formats). Unlike JSON Schema's default, properties not in
 * the schema are errors, so the document must list every field the API sends.
 */
type Schema = Record<string, unknown>;

const FORMATS: Record<string, RegExp> = {
  date: /^\d{4}-\d{2}-\d{2}$/,
  'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
  email: /^[^@\s]+@[^@\s]+$/,
};

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Problems of `value` against `schema`, as `path: problem` lines; empty when it conforms. */
export function validate(value: unknown, schema: Schema, components: Record<string, Schema>, at = '$'): string[] {
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = components[name];
    return target ? validate(value, target, components, at) : [`${at}: unknown $ref ${schema.$ref}`];
  }
  if (Array.isArray(schema.oneOf)) {
    const results = (schema.oneOf as Schema[]).map((s) => validate(value, s, components, at));
    return results.some((r) => r.length === 0) ? [] : [`${at}: matches no alternative: ${results.map((r) => r.join('; ')).join(' | ')}`];
  }
  const problems: string[] = [];
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    const actual = typeOf(value);
    if (!types.includes(actual) && !(actual === 'integer' && types.includes('number'))) return [`${at}: ${actual}, expected ${types.join('|')}`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} not in enum`);
  if (typeof schema.format === 'string' && typeof value === 'string' && FORMATS[schema.format] && !FORMATS[schema.format]!.test(value)) {
    problems.push(`${at}: "${value}" is not a ${schema.format}`);
  }
  if (typeOf(value) === 'object' && schema.properties) {
    const record = value as Record<string, unknown>;
    const properties = schema.properties as Record<string, Schema>;
    for (const key of (schema.required as string[] | undefined) ?? []) if (!(key in record)) problems.push(`${at}.${key}: missing`);
    const others = typeof schema.additionalProperties === 'object' ? (schema.additionalProperties as Schema) : null;
    for (const [key, v] of Object.entries(record)) {
      const sub = properties[key] ?? others;
      if (!sub) problems.push(`${at}.${key}: not in the schema`);
      else problems.push(...validate(v, sub, components, `${at}.${key}`));
    }
  }
  if (typeOf(value) === 'object' && !schema.properties && typeof schema.additionalProperties === 'object') {
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      problems.push(...validate(v, schema.additionalProperties as Schema, components, `${at}.${key}`));
    }
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => problems.push(...validate(item, schema.items as Schema, components, `${at}[${i}]`)));
  }
  return problems;
}
