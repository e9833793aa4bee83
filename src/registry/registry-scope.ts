/**
 * Parsing of the token endpoint's `scope` parameters (distribution's
 * `docs/spec/auth/scope.md`), apart from any policy.
 */
import { ValidationError } from '../lib/errors.js';
import type { ResourceRequest } from '../auth/registry-authorization.js';

/** More resources than any client asks for in one token; bounds the lookups a request causes. */
export const MAX_RESOURCES = 50;

const RESOURCE_TYPE = /^[a-z0-9]+(?:\([a-z0-9]+\))?$/;
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const ACTION = /^(?:[a-z]+|\*)$/;
const MAX_NAME = 255;

/**
 * Parses every `scope` value: each holds one or more space-separated
 * `type:name:action[,action…]` items (clients send either several `scope`
 * parameters or one with spaces). Items for the same type and name merge.
 * Anything outside the grammar is a ValidationError naming `scope`: the
 * name must be a registry repository name as the registry itself sends it
 * (lowercase components, no host), actions lowercase words or `*`.
 *
 * @example parseRegistryScopes(['repository:group/app/web:pull,push']) // [{ type: 'repository', name: 'group/app/web', actions: ['pull', 'push'] }]
 */
export function parseRegistryScopes(values: readonly string[]): ResourceRequest[] {
  const merged = new Map<string, ResourceRequest>();
  for (const item of values.flatMap((v) => v.split(' ')).filter((s) => s !== '')) {
    const parsed = parseItem(item);
    const key = `${parsed.type} ${parsed.name}`;
    const existing = merged.get(key);
    if (existing) {
      for (const action of parsed.actions) if (!existing.actions.includes(action)) existing.actions.push(action);
    } else {
      if (merged.size === MAX_RESOURCES) throw invalid(`more than ${MAX_RESOURCES} resources requested`);
      merged.set(key, parsed);
    }
  }
  return [...merged.values()];
}

function parseItem(item: string): ResourceRequest {
  const first = item.indexOf(':');
  const last = item.lastIndexOf(':');
  if (first <= 0 || last === first) throw invalid(`"${shown(item)}" is not type:name:actions`);
  const type = item.slice(0, first);
  const name = item.slice(first + 1, last);
  const actionList = item.slice(last + 1);
  if (!RESOURCE_TYPE.test(type)) throw invalid(`"${shown(type)}" is not a resource type`);
  if (!isRepositoryName(name)) throw invalid(`"${shown(name)}" is not a repository name`);
  const actions = [...new Set(actionList.split(','))];
  if (!actions.every((a) => ACTION.test(a))) throw invalid(`"${shown(actionList)}" is not a list of actions`);
  return { type, name, actions };
}

function isRepositoryName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_NAME && name.split('/').every((c) => COMPONENT.test(c));
}

function invalid(message: string): ValidationError {
  return new ValidationError('scope', `invalid scope: ${message}`);
}

/** Echoes client input in an error without letting it grow the response. */
function shown(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
