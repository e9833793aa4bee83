/**
 * The audit trail's vocabulary: what happened (an action from a closed
 * list), who did it (the author), which account or scope it concerns (the
 * entity, as GitLab scopes its audit events), what it acted on (the
 * target), and from where. Values are ids, names and dates — never a token,
 * a password, a code or a digest.
 */
import type { Identity } from '../identity/principal.js';

/** Every kind of event, named after GitLab's audit event types where GitLab has one. */
export const AUDIT_ACTIONS = [
  'personal_access_token_created',
  'personal_access_token_rotated',
  'personal_access_token_revoked',
  /** Recorded once per token, when a use of it is first refused because it expired. */
  'personal_access_token_expired',
  /** The first use of a token from an address it was never used from (its first use included). */
  'personal_access_token_used_from_new_address',
  /** Found in a push and revoked by secret push protection. */
  'personal_access_token_leaked',
  /** A push skipped secret push protection (`git push -o secret_push_protection.skip_all`). */
  'secret_push_protection_skipped',
  'sign_in_succeeded',
  'sign_in_failed',
  'two_factor_enabled',
  'two_factor_disabled',
  'two_factor_recovery_code_used',
  'password_changed',
  'user_blocked',
  'user_unblocked',
  'ssh_key_added',
  'ssh_key_removed',
  /** The account lockout started (too many failed sign-ins on the account). */
  'account_locked',
  /** The per-address ban started (too many failed authentications from the address). */
  'ip_banned',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** True for the names of AUDIT_ACTIONS. */
export function isAuditAction(value: string): value is AuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(value);
}

/**
 * Who did it: an account (its id and username at the time), or one of the
 * authors that are no account — the command line (id 0, as `CLI_ACTOR`),
 * an unauthenticated client (-1, as GitLab's), gitgate itself (-2).
 */
export interface AuditAuthor {
  id: number;
  name: string;
}

/** Credentials presented by someone not (yet) known: failed sign-ins, refused tokens. */
export const UNAUTHENTICATED: AuditAuthor = { id: -1, name: 'An unauthenticated user' };
/** gitgate acting on its own (summaries of events recorded in aggregate). */
export const SYSTEM_AUTHOR: AuditAuthor = { id: -2, name: 'gitgate' };

/** The author for an account (or the CLI's identity). */
export function authorOf(identity: Pick<Identity, 'id' | 'username'>): AuditAuthor {
  return { id: identity.id, name: identity.username };
}

/** The scopes GitLab files audit events under; gitgate uses `User` and the instance. */
export const AUDIT_ENTITY_TYPES = ['User', 'Project', 'Group', 'Gitlab::Audit::InstanceScope'] as const;
export type AuditEntityType = (typeof AUDIT_ENTITY_TYPES)[number];

/** What the event concerns: an account, or the whole instance. `path` is its name at the time. */
export interface AuditEntity {
  type: AuditEntityType;
  id: number;
  path: string;
}

/** GitLab's instance scope (`Gitlab::Audit::InstanceScope`, id 1, path `gitlab_instance`). */
export const INSTANCE: AuditEntity = { type: 'Gitlab::Audit::InstanceScope', id: 1, path: 'gitlab_instance' };

/** The account entity of `user`. */
export function userEntity(user: Pick<Identity, 'id' | 'username'>): AuditEntity {
  return { type: 'User', id: user.id, path: user.username };
}

/** The entity of a project (`path`: `namespace/project`). */
export function projectEntity(project: { id: number; path: string }): AuditEntity {
  return { type: 'Project', id: project.id, path: project.path };
}

/** What the action was done to, when more precise than the entity: a token, a key, an address. */
export interface AuditTarget {
  type: 'PersonalAccessToken' | 'User' | 'Key' | 'IpAddress';
  id: number | null;
  /** A name for people: the token's or key's title, the username, the address. */
  details: string | null;
}

/** One value of an event's details. */
export type AuditValue = string | number | boolean | null | readonly string[];
export type AuditDetails = Readonly<Record<string, AuditValue>>;

/** A recorded event. */
export interface AuditEvent {
  id: number;
  createdAt: Date;
  action: AuditAction;
  author: AuditAuthor;
  entity: AuditEntity;
  target: AuditTarget | null;
  /** The client's address, when the event came from a request. */
  ipAddress: string | null;
  /** The request's `X-Request-Id` (or the SSH connection id). */
  requestId: string | null;
  details: AuditDetails;
}

/** An event as appended to the store. */
export interface NewAuditEvent extends Omit<AuditEvent, 'id'> {
  /** When set, the store keeps at most one event under this key, ever (the first). */
  onceKey: string | null;
}

/** What a service hands the audit log; time, address and request id are filled in. */
export interface AuditRecord {
  action: AuditAction;
  author: AuditAuthor;
  entity: AuditEntity;
  target?: AuditTarget | null;
  details?: AuditDetails;
}
