/**
 * What a restricted personal access token is limited to, beyond its scopes
 * and its owner's access. Every field only narrows; a token without
 * restrictions behaves as its owner within its scopes.
 */

/** The projects a credential may reach: these ids, or anything in these namespaces. */
export interface ProjectReach {
  projectIds: readonly number[];
  /** Namespace paths, lower case; every project below them, including later ones. */
  namespaces: readonly string[];
}

/** What a push made with a restricted token may do to refs (enforced by gitgate's pre-receive hook). */
export interface PushRules {
  /** Ref patterns a push may update (lib/ref-pattern.mjs), or null for any ref. */
  pushRefs: readonly string[] | null;
  allowForcePush: boolean;
  allowRefDeletion: boolean;
}

/** A token's restrictions as stored and cached. */
export interface TokenRestrictions extends PushRules {
  /** Project ids; with `namespaces` one allowlist. Null with `namespaces` null: every project. */
  projects: readonly number[] | null;
  namespaces: readonly string[] | null;
  /** Normalized addresses or CIDRs the token may be used from, or null for anywhere. */
  allowedIps: readonly string[] | null;
}

/** The restrictions of a token that has none. */
export const NO_RESTRICTIONS: TokenRestrictions = Object.freeze({
  projects: null,
  namespaces: null,
  allowedIps: null,
  pushRefs: null,
  allowForcePush: true,
  allowRefDeletion: true,
});

/** The project allowlist of `r`, or undefined when it reaches every project. */
export function projectReach(r: TokenRestrictions): ProjectReach | undefined {
  if (r.projects === null && r.namespaces === null) return undefined;
  return { projectIds: r.projects ?? [], namespaces: r.namespaces ?? [] };
}

/** Whether `reach` (undefined: everything) includes `project`. Namespaces compare ignoring case. */
export function reachesProject(reach: ProjectReach | undefined, project: { id: number; namespace: string }): boolean {
  if (!reach) return true;
  return reach.projectIds.includes(project.id) || reach.namespaces.includes(project.namespace.toLowerCase());
}

/** The push rules of `r`, or null when pushes are not limited beyond access and scopes. */
export function pushRulesOf(r: TokenRestrictions): PushRules | null {
  if (r.pushRefs === null && r.allowForcePush && r.allowRefDeletion) return null;
  return { pushRefs: r.pushRefs, allowForcePush: r.allowForcePush, allowRefDeletion: r.allowRefDeletion };
}

/** Whether `v` is well-formed TokenRestrictions (for values read back from a cache or a column). */
export function isTokenRestrictions(v: unknown): v is TokenRestrictions {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  const listOf = (x: unknown, ok: (e: unknown) => boolean): boolean => x === null || (Array.isArray(x) && x.every(ok));
  const isString = (e: unknown): boolean => typeof e === 'string';
  return (
    listOf(r.projects, (e) => Number.isSafeInteger(e)) &&
    listOf(r.namespaces, isString) &&
    listOf(r.allowedIps, isString) &&
    listOf(r.pushRefs, isString) &&
    typeof r.allowForcePush === 'boolean' &&
    typeof r.allowRefDeletion === 'boolean'
  );
}
