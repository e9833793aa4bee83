/**
 * Attenuation: a token may mint tokens for its own user that are at most as
 * strong as itself. This module decides "at most as strong" and names the
 * first way a requested child would be broader than its parent.
 */
import { scopeWithin, type Scope } from '../identity/scopes.js';
import type { TokenRestrictions } from '../identity/token-restrictions.js';
import { IpAllowlist } from '../lib/ip-allowlist.js';
import { refPatternWithin } from '../lib/ref-pattern.mjs';
import type { ReachableProject } from './restriction-input.js';

/** What the child would be. */
export interface ChildToken {
  scopes: readonly Scope[];
  expiresAt: string | null;
  restrictions: TokenRestrictions;
  /** The projects named in `restrictions.projects`, with their namespaces. */
  projects: readonly ReachableProject[];
}

/** What the parent is. */
export interface ParentToken {
  scopes: readonly Scope[];
  expiresAt: string | null;
  restrictions: TokenRestrictions;
}

/** The first way `child` is broader than `parent`, worded for a 403 body; null when it is not. */
export function broaderThanParent(child: ChildToken, parent: ParentToken): string | null {
  const extra = child.scopes.filter((s) => !scopeWithin(s, parent.scopes));
  if (extra.length > 0) return `scopes ${extra.join(', ')} grant more than this token's scopes`;
  if (parent.expiresAt !== null && (child.expiresAt === null || child.expiresAt > parent.expiresAt)) {
    return `expires_at must be on or before ${parent.expiresAt}, when this token expires`;
  }
  return projectsBroader(child, parent.restrictions) ?? addressesBroader(child.restrictions, parent.restrictions) ?? pushRulesBroader(child.restrictions, parent.restrictions);
}

function projectsBroader(child: ChildToken, parent: TokenRestrictions): string | null {
  if (parent.projects === null && parent.namespaces === null) return null;
  const c = child.restrictions;
  if (c.projects === null && c.namespaces === null) return 'projects or namespaces are required: this token is limited to some projects';
  const parentNamespaces = parent.namespaces ?? [];
  const outside = child.projects.find((p) => !(parent.projects ?? []).includes(p.id) && !parentNamespaces.includes(p.namespace.toLowerCase()));
  if (outside) return `projects: project ${outside.id} is outside this token's projects`;
  const wider = (c.namespaces ?? []).find((n) => !parentNamespaces.includes(n));
  return wider === undefined ? null : `namespaces: ${wider} is outside this token's namespaces`;
}

function addressesBroader(child: TokenRestrictions, parent: TokenRestrictions): string | null {
  if (parent.allowedIps === null) return null;
  if (child.allowedIps === null) return 'allowed_ips is required: this token is limited to some addresses';
  const allowed = new IpAllowlist(parent.allowedIps);
  const outside = child.allowedIps.find((ip) => !allowed.covers(ip));
  return outside === undefined ? null : `allowed_ips: ${outside} is outside this token's addresses`;
}

function pushRulesBroader(child: TokenRestrictions, parent: TokenRestrictions): string | null {
  if (parent.pushRefs !== null) {
    if (child.pushRefs === null) return 'push_refs is required: this token may push only to some refs';
    const outside = child.pushRefs.find((c) => !parent.pushRefs!.some((p) => refPatternWithin(c, p)));
    if (outside !== undefined) return `push_refs: ${outside} is not within this token's patterns`;
  }
  if (child.allowForcePush && !parent.allowForcePush) return 'allow_force_push must be false: this token may not force-push';
  if (child.allowRefDeletion && !parent.allowRefDeletion) return 'allow_ref_deletion must be false: this token may not delete refs';
  return null;
}
