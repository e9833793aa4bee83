/**
 * Turns what a caller asks a token to be limited to into TokenRestrictions:
 * projects resolved to ids (as the owner sees them, so a project the owner
 * cannot see reads as unknown), namespaces, addresses and ref patterns
 * checked and spelled one way. Omitted fields leave the token unlimited there.
 */
import type { Identity } from '../identity/principal.js';
import { NO_RESTRICTIONS, type TokenRestrictions } from '../identity/token-restrictions.js';
import { ValidationError } from '../lib/errors.js';
import { normalizeNetwork } from '../lib/ip-allowlist.js';
import { isValidPathSegment } from '../lib/path-segment.js';
import { isValidRefPattern } from '../lib/ref-pattern.mjs';

/** The restriction fields of a token request; null or absent: not limited there. */
export interface RestrictionsInput {
  /** Project ids or full paths (`alice/website`). */
  projects?: ReadonlyArray<number | string> | null;
  namespaces?: readonly string[] | null;
  allowedIps?: readonly string[] | null;
  pushRefs?: readonly string[] | null;
  allowForcePush?: boolean | null;
  allowRefDeletion?: boolean | null;
}

/** A project as restrictions need it. */
export interface ReachableProject {
  id: number;
  namespace: string;
}

/** Finds a project the owner can see, by id or full path; null when unknown or hidden from them. */
export interface ProjectResolver {
  resolveProject(owner: Identity, ref: number | string): Promise<ReachableProject | null>;
}

/** Parsed restrictions and the projects they name, for attenuation checks. */
export interface ParsedRestrictions {
  restrictions: TokenRestrictions;
  projects: ReachableProject[];
}

/** At most this many entries per list, so a cached record stays small. */
export const MAX_RESTRICTION_ENTRIES = 100;

/** Parses `input` for a token of `owner`; ValidationError names the first bad field. */
export async function parseRestrictions(input: RestrictionsInput | undefined, owner: Identity, resolver: ProjectResolver): Promise<ParsedRestrictions> {
  if (!input) return { restrictions: NO_RESTRICTIONS, projects: [] };
  const projectRefs = entries('projects', input.projects);
  const projects: ReachableProject[] = [];
  for (const ref of projectRefs ?? []) {
    const found = await resolver.resolveProject(owner, typeof ref === 'string' && /^\d+$/.test(ref) ? Number(ref) : ref);
    if (!found) throw new ValidationError('projects', `projects does not have a valid value: project ${String(ref).slice(0, 255)} not found`);
    if (!projects.some((p) => p.id === found.id)) projects.push(found);
  }
  const namespaces = entries('namespaces', input.namespaces)?.map((n) => {
    if (!isValidPathSegment(n)) throw new ValidationError('namespaces', `namespaces does not have a valid value: ${n.slice(0, 255)}`);
    return n.toLowerCase();
  });
  const allowedIps = entries('allowed_ips', input.allowedIps)?.map((ip) => {
    try {
      return normalizeNetwork(ip);
    } catch {
      throw new ValidationError('allowed_ips', `allowed_ips does not have a valid value: ${ip.slice(0, 255)} is not an address or CIDR`);
    }
  });
  const pushRefs = entries('push_refs', input.pushRefs)?.map((p) => {
    if (!isValidRefPattern(p)) throw new ValidationError('push_refs', `push_refs does not have a valid value: ${p.slice(0, 255)} is not a ref pattern under refs/`);
    return p;
  });
  return {
    restrictions: {
      projects: projectRefs ? projects.map((p) => p.id) : null,
      namespaces: namespaces ? [...new Set(namespaces)] : null,
      allowedIps: allowedIps ? [...new Set(allowedIps)] : null,
      pushRefs: pushRefs ? [...new Set(pushRefs)] : null,
      allowForcePush: input.allowForcePush ?? true,
      allowRefDeletion: input.allowRefDeletion ?? true,
    },
    projects,
  };
}

/** A list field: null when absent; ValidationError when empty or too long. */
function entries<T>(field: string, value: readonly T[] | null | undefined): readonly T[] | null {
  if (value === undefined || value === null) return null;
  if (value.length === 0) throw new ValidationError(field, `${field} is empty; leave it out to allow every value`);
  if (value.length > MAX_RESTRICTION_ENTRIES) throw new ValidationError(field, `${field} has more than ${MAX_RESTRICTION_ENTRIES} entries`);
  return value;
}
