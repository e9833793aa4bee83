/**
 * The restriction part of the create-token form (issue 16): projects picked
 * from those the user can see, namespaces, addresses and ref patterns typed
 * comma-separated, and the two push switches; and a token's restrictions in
 * one line for the table.
 */
import type { Request } from 'express';
import type { TokenRestrictions } from '../identity/token-restrictions.js';
import type { Project } from '../projects/project.js';
import type { RestrictionsInput } from '../tokens/restriction-input.js';
import { formField, formList } from './form-fields.js';
import type { ProjectOption } from './view-models.js';

/** The restriction fields as typed or checked. */
export interface RestrictionFormValues {
  /** Ids of the checked projects, as posted. */
  projects: string[];
  namespaces: string;
  allowedIps: string;
  pushRefs: string;
  allowForcePush: boolean;
  allowRefDeletion: boolean;
}

/** A fresh form: no limits, both switches on. */
export function unrestrictedValues(): RestrictionFormValues {
  return { projects: [], namespaces: '', allowedIps: '', pushRefs: '', allowForcePush: true, allowRefDeletion: true };
}

/** The restriction fields of a submission, unvalidated (the token service validates). */
export function restrictionValuesFromBody(req: Request): RestrictionFormValues {
  return {
    projects: formList(req, 'projects'),
    namespaces: formField(req, 'namespaces') ?? '',
    allowedIps: formField(req, 'allowed_ips') ?? '',
    pushRefs: formField(req, 'push_refs') ?? '',
    allowForcePush: switchValue(req, 'allow_force_push'),
    allowRefDeletion: switchValue(req, 'allow_ref_deletion'),
  };
}

/**
 * A switch is a hidden `0` followed by a checkbox `1` of the same name, so an
 * unchecked box still says "off"; a post without the field at all (an older
 * page, a script) keeps the default, on.
 */
function switchValue(req: Request, name: string): boolean {
  const posted = formList(req, name);
  return posted.length === 0 || posted.includes('1');
}

/** What the token service takes: empty fields leave the token unlimited there. */
export function restrictionsInput(values: RestrictionFormValues): RestrictionsInput {
  return {
    projects: values.projects.length > 0 ? values.projects : null,
    namespaces: commaList(values.namespaces),
    allowedIps: commaList(values.allowedIps),
    pushRefs: commaList(values.pushRefs),
    allowForcePush: values.allowForcePush,
    allowRefDeletion: values.allowRefDeletion,
  };
}

/** Whether the form holds any limit (the restrictions section is then shown open). */
export function hasRestrictionValues(values: RestrictionFormValues): boolean {
  const { projects, namespaces, allowedIps, pushRefs, allowForcePush, allowRefDeletion } = values;
  return projects.length > 0 || [namespaces, allowedIps, pushRefs].some((v) => v.trim() !== '') || !allowForcePush || !allowRefDeletion;
}

/** A project's `namespace/path`, as the picker and the table name it. */
export function projectFullPath(project: Pick<Project, 'namespace' | 'path'>): string {
  return `${project.namespace}/${project.path}`;
}

/** One checkbox per project the user can see, by full path. */
export function projectOptions(projects: readonly Project[], checked: readonly string[]): ProjectOption[] {
  return projects.map((p) => ({ id: p.id, fullPath: projectFullPath(p), checked: checked.includes(String(p.id)) }));
}

/**
 * A token's restrictions in one line, e.g. `projects: alice/website; from
 * 10.0.0.0/8; push: refs/heads/bot/*; no force-push`; null for a token
 * without any. `pathOf` names a project id.
 */
export function restrictionSummary(r: TokenRestrictions, pathOf: (id: number) => string): string | null {
  const parts = [
    r.projects && `projects: ${r.projects.map(pathOf).join(', ')}`,
    r.namespaces && `namespaces: ${r.namespaces.join(', ')}`,
    r.allowedIps && `from ${r.allowedIps.join(', ')}`,
    r.pushRefs && `push: ${r.pushRefs.join(', ')}`,
    !r.allowForcePush && 'no force-push',
    !r.allowRefDeletion && 'no ref deletion',
  ].filter((p): p is string => typeof p === 'string');
  return parts.length > 0 ? parts.join('; ') : null;
}

function commaList(text: string): string[] | null {
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  return entries.length > 0 ? entries : null;
}
