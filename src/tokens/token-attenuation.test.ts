import { describe, expect, it } from 'vitest';
import { NO_RESTRICTIONS, type TokenRestrictions } from '../identity/token-restrictions.js';
import { broaderThanParent, type ChildToken, type ParentToken } from './token-attenuation.js';

const limited: TokenRestrictions = {
  projects: [1],
  namespaces: ['bob'],
  allowedIps: ['10.0.0.0/8'],
  pushRefs: ['refs/heads/bot/*'],
  allowForcePush: false,
  allowRefDeletion: false,
};
const parent: ParentToken = { scopes: ['api'], expiresAt: '2027-01-31', restrictions: limited };
const child = (over: Partial<ChildToken> = {}, r: Partial<TokenRestrictions> = {}): ChildToken => ({
  scopes: ['read_repository'],
  expiresAt: '2027-01-01',
  restrictions: { ...limited, ...r },
  projects: [{ id: 1, namespace: 'alice' }],
  ...over,
});

describe('broaderThanParent', () => {
  it('accepts a child equal to or narrower than its parent', () => {
    expect(broaderThanParent(child(), parent)).toBeNull();
    expect(broaderThanParent(child({ projects: [{ id: 9, namespace: 'Bob' }] }, { projects: [9], allowedIps: ['10.1.0.0/16'], pushRefs: ['refs/heads/bot/x'] }), parent)).toBeNull();
    expect(broaderThanParent(child({ projects: [] }, { projects: null, namespaces: ['bob'] }), parent)).toBeNull();
  });

  it('anything goes below an unrestricted parent but scopes and expiry', () => {
    const free: ParentToken = { scopes: ['api'], expiresAt: null, restrictions: NO_RESTRICTIONS };
    expect(broaderThanParent({ scopes: ['api'], expiresAt: null, restrictions: NO_RESTRICTIONS, projects: [] }, free)).toBeNull();
    expect(broaderThanParent({ scopes: ['sudo'], expiresAt: null, restrictions: NO_RESTRICTIONS, projects: [] }, free)).toMatch(/scopes sudo/);
  });

  it.each([
    ['scopes', child({ scopes: ['sudo'] }), /scopes sudo/],
    ['no expiry', child({ expiresAt: null }), /expires_at must be on or before 2027-01-31/],
    ['later expiry', child({ expiresAt: '2027-02-01' }), /expires_at/],
    ['no project limit', child({ projects: [] }, { projects: null, namespaces: null }), /projects or namespaces are required/],
    ['a project outside', child({ projects: [{ id: 2, namespace: 'alice' }] }, { projects: [2] }), /project 2 is outside/],
    ['a namespace outside', child({ projects: [] }, { projects: null, namespaces: ['alice'] }), /namespaces: alice/],
    ['no address limit', child({}, { allowedIps: null }), /allowed_ips is required/],
    ['a wider network', child({}, { allowedIps: ['10.0.0.0/7'] }), /allowed_ips: 10.0.0.0\/7/],
    ['another family', child({}, { allowedIps: ['::1'] }), /allowed_ips: ::1/],
    ['no ref limit', child({}, { pushRefs: null }), /push_refs is required/],
    ['a wider pattern', child({}, { pushRefs: ['refs/heads/*'] }), /push_refs: refs\/heads\/\*/],
    ['force-push', child({}, { allowForcePush: true }), /allow_force_push/],
    ['ref deletion', child({}, { allowRefDeletion: true }), /allow_ref_deletion/],
  ])('refuses %s', (_what, c, reason) => {
    expect(broaderThanParent(c, parent)).toMatch(reason);
  });
});
