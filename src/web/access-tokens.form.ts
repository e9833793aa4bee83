/**
 * The create-token form: its values from a GitLab-style prefill link
 * (`?name=…&scopes=a,b&description=…`) or from a submission, the scope
 * checkboxes a user may see, and the table rows. The restriction fields
 * are token-restrictions.form.ts's.
 */
import type { Request } from 'express';
import { SCOPES, SCOPE_DESCRIPTIONS, type Scope } from '../identity/scopes.js';
import { addDays } from '../lib/dates.js';
import type { PersonalAccessToken } from '../tokens/token.js';
import { formField, formList } from './form-fields.js';
import { restrictionValuesFromBody, unrestrictedValues, type RestrictionFormValues } from './token-restrictions.form.js';
import type { ScopeOption, TokenRowModel } from './view-models.js';

/** What the form holds, as typed or prefilled. */
export interface TokenFormValues {
  name: string;
  description: string;
  expiresAt: string;
  scopes: string[];
  restrictions: RestrictionFormValues;
}

/** Days ahead the expiry is prefilled with when an expiry is required (GitLab's default). */
const DEFAULT_EXPIRY_DAYS = 30;
const MAX_PREFILL = 255;

/** Prefill from the query string; unknown scopes are ignored, as GitLab does. */
export function valuesFromQuery(query: Request['query']): TokenFormValues {
  const text = (v: unknown): string => (typeof v === 'string' ? v.slice(0, MAX_PREFILL) : '');
  return {
    name: text(query.name),
    description: text(query.description),
    expiresAt: '',
    scopes: text(query.scopes)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => (SCOPES as readonly string[]).includes(s)),
    restrictions: unrestrictedValues(),
  };
}

/** The submitted form, unvalidated (the token service validates). */
export function valuesFromBody(req: Request): TokenFormValues {
  return {
    name: formField(req, 'name') ?? '',
    description: formField(req, 'description') ?? '',
    expiresAt: (formField(req, 'expires_at') ?? '').trim(),
    scopes: formList(req, 'scopes'),
    restrictions: restrictionValuesFromBody(req),
  };
}

/** One checkbox per scope the user may grant: `sudo` only for administrators. */
export function scopeOptions(isAdmin: boolean, checked: readonly string[]): ScopeOption[] {
  return SCOPES.filter((s) => s !== 'sudo' || isAdmin).map((s: Scope) => ({
    name: s,
    description: SCOPE_DESCRIPTIONS[s],
    checked: checked.includes(s),
  }));
}

/** Bounds of the date picker for `today`; `maxDays` is the configured maximum lifetime. */
export function expiryBounds(today: string, maxDays: number | null): { min: string; max: string | null; required: boolean } {
  return { min: addDays(today, 1), max: maxDays === null ? null : addDays(today, maxDays), required: maxDays !== null };
}

/** The expiry a fresh form starts with: empty unless one is required. */
export function defaultExpiry(today: string, maxDays: number | null): string {
  return maxDays === null ? '' : addDays(today, Math.min(DEFAULT_EXPIRY_DAYS, maxDays));
}

/** A token as a table row, dates in UTC; `limits` is its restrictions in one line (null: none). */
export function tokenRow(token: PersonalAccessToken, limits: string | null): TokenRowModel {
  return {
    id: token.id,
    name: token.name,
    description: token.description,
    scopes: token.scopes.join(', '),
    limits,
    created: token.createdAt.toISOString().slice(0, 10),
    createdIso: token.createdAt.toISOString(),
    lastUsed: token.lastUsedAt ? `${token.lastUsedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC` : 'Never',
    lastUsedIso: token.lastUsedAt?.toISOString() ?? null,
    expires: token.expiresAt ?? 'Never',
    expiresIso: token.expiresAt,
  };
}
