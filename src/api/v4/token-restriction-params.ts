/**
 * The restriction parameters of a token request (issue 16), as the API
 * takes them: `projects` (ids or full paths), `namespaces`, `allowed_ips`,
 * `push_refs`, each an array, `key[]=…` pairs or a comma-separated string,
 * and the switches `allow_force_push` and `allow_ref_deletion`.
 */
import type { RestrictionsInput } from '../../tokens/restriction-input.js';
import { bool, listEntries, valueList } from './params.js';
import { MAX_RESTRICTION_ENTRIES } from '../../tokens/restriction-input.js';

/** The zod fields, spread into a token creation's parameter object. */
export const tokenRestrictionParams = {
  projects: valueList(MAX_RESTRICTION_ENTRIES).optional().meta({ description: 'Project ids or full paths the token is limited to' }),
  namespaces: valueList(MAX_RESTRICTION_ENTRIES).optional().meta({ description: 'Namespaces whose projects (also later ones) the token may reach' }),
  allowed_ips: valueList(MAX_RESTRICTION_ENTRIES).optional().meta({ description: 'Addresses or CIDRs the token may be used from' }),
  push_refs: valueList(MAX_RESTRICTION_ENTRIES).optional().meta({ description: 'Ref patterns (git wildmatch, e.g. refs/heads/bot/*) a push may update' }),
  allow_force_push: bool().optional().meta({ description: 'false: non-fast-forward updates are refused (default true)' }),
  allow_ref_deletion: bool().optional().meta({ description: 'false: deleting refs is refused (default true)' }),
};

type Entries = ReadonlyArray<string | number> | string | undefined;

/** What the token service takes, from the parsed parameters. */
export function restrictionsInput(params: {
  projects?: Entries;
  namespaces?: Entries;
  allowed_ips?: Entries;
  push_refs?: Entries;
  allow_force_push?: boolean;
  allow_ref_deletion?: boolean;
}): RestrictionsInput {
  const entries = (v: Entries): string[] | null => (v === undefined ? null : listEntries(v));
  return {
    projects: entries(params.projects),
    namespaces: entries(params.namespaces),
    allowedIps: entries(params.allowed_ips),
    pushRefs: entries(params.push_refs),
    allowForcePush: params.allow_force_push ?? null,
    allowRefDeletion: params.allow_ref_deletion ?? null,
  };
}
