/**
 * A user's recent audit events as rows of the access token page, in
 * words: what happened, to which token or key, and who did it when it was
 * someone else (an administrator, the command line).
 */
import type { AuditAction, AuditEvent } from '../audit/audit-event.js';
import type { AuditRowModel } from './view-models.js';

const SAID: Record<AuditAction, (e: AuditEvent) => string> = {
  personal_access_token_created: (e) => `Personal access token ${quoted(e)} created`,
  personal_access_token_rotated: (e) => `Personal access token ${quoted(e)} rotated`,
  personal_access_token_revoked: (e) =>
    e.details.reason === 'reuse_of_revoked_token'
      ? `Personal access token ${quoted(e)} presented after its revocation: its rotations were revoked`
      : `Personal access token ${quoted(e)} revoked`,
  personal_access_token_expired: (e) => `Personal access token ${quoted(e)} refused: it expired`,
  personal_access_token_used_from_new_address: (e) => `Personal access token ${quoted(e)} used from a new address`,
  personal_access_token_leaked: (e) => `Personal access token ${quoted(e)} found in a push to ${String(e.details.project ?? 'a project')} and revoked`,
  secret_push_protection_skipped: (e) => `Secret push protection skipped for a push to ${e.entity.path}`,
  sign_in_succeeded: (e) => `Signed in with ${credential(e)} (${surface(e)})`,
  sign_in_failed: (e) => `Failed sign-in with ${credential(e)} (${surface(e)}: ${String(e.details.reason ?? 'refused')})`,
  two_factor_enabled: () => 'Two-factor authentication enabled',
  two_factor_disabled: () => 'Two-factor authentication disabled',
  two_factor_recovery_code_used: () => 'Recovery code used to sign in',
  password_changed: () => 'Password changed',
  user_blocked: () => 'Account blocked',
  user_unblocked: () => 'Account unblocked',
  ssh_key_added: (e) => `SSH key ${quoted(e)} added`,
  ssh_key_removed: (e) => `SSH key ${quoted(e)} removed`,
  account_locked: () => 'Account locked after too many failed sign-ins',
  ip_banned: (e) => `Address ${e.target?.details ?? ''} banned after too many failed sign-ins`,
};

const CREDENTIALS: Record<string, string> = { password: 'password', two_factor: 'two-factor code', token: 'token', ssh_key: 'SSH key' };
const SURFACES: Record<string, string> = { web: 'web', 'git-http': 'Git over HTTP', ssh: 'SSH', registry: 'registry', api: 'API' };

/** One row for `event` on the page of the user `viewerId`. */
export function auditRow(event: AuditEvent, viewerId: number): AuditRowModel {
  const by = event.author.id !== viewerId && event.author.id >= 0 ? ` by ${event.author.name}` : '';
  return {
    what: `${(SAID[event.action] ?? (() => event.action))(event)}${by}`,
    when: `${event.createdAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    whenIso: event.createdAt.toISOString(),
    address: event.ipAddress ?? '',
  };
}

function quoted(e: AuditEvent): string {
  return e.target?.details ? `"${e.target.details}"` : `#${e.target?.id ?? '?'}`;
}

function credential(e: AuditEvent): string {
  return CREDENTIALS[String(e.details.credential)] ?? 'credentials';
}

function surface(e: AuditEvent): string {
  return SURFACES[String(e.details.surface)] ?? String(e.details.surface ?? '');
}
