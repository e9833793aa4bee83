import type { Request } from 'express';

/**
 * A single text field of an urlencoded form body; undefined when absent or
 * sent more than once (a repeated field is never what a page of ours posts).
 */
export function formField(req: Request, name: string): string | undefined {
  const value = bodyValue(req, name);
  return typeof value === 'string' ? value : undefined;
}

/** Every value of a repeatable field (checkbox groups). */
export function formList(req: Request, name: string): string[] {
  const value = bodyValue(req, name);
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function bodyValue(req: Request, name: string): unknown {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || !Object.hasOwn(body, name)) return undefined;
  return (body as Record<string, unknown>)[name];
}
