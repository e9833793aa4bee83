/**
 * Kysely table types: the shape of every table as the database returns it.
 *
 * Two column kinds differ by dialect and are converted by the dialect helper
 * (`dialects/*.ts`), never by hand in a store:
 * - timestamps: ISO-8601 text on SQLite, `timestamptz` (a `Date`) on PostgreSQL;
 * - booleans: 0/1 integers on SQLite, `boolean` on PostgreSQL.
 * Lists (scopes, IPs, recovery codes, session data) are JSON text on both.
 */
import type { Generated, Selectable } from 'kysely';

/** A timestamp as stored: ISO text (SQLite) or Date (PostgreSQL). */
export type DbTimestamp = Date | string;

/** A boolean as stored: 0/1 (SQLite) or true/false (PostgreSQL). */
export type DbBoolean = boolean | number;

/** Accounts; username and email are unique case-insensitively. */
export interface UsersTable {
  id: Generated<number>;
  username: string;
  email: string;
  name: string;
  password_hash: string | null;
  is_admin: DbBoolean;
  state: string;
  otp_secret: string | null;
  two_factor_enabled: DbBoolean;
  /** JSON array of strings. */
  otp_backup_codes: string;
  /** Last TOTP time step consumed (replay protection); null before the first. */
  otp_last_timestep: number | string | null;
  created_at: DbTimestamp;
  /** Advanced by every credential change; web sessions of an older value are dead. */
  session_generation: Generated<number>;
}

/** Personal access tokens; `digest` is unique. */
export interface PersonalAccessTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  description: string | null;
  /** JSON array of scope names. */
  scopes: string;
  digest: string;
  last_four: string;
  /** `YYYY-MM-DD` text on both dialects, so string comparison orders dates. */
  expires_at: string | null;
  revoked: DbBoolean;
  created_at: DbTimestamp;
  last_used_at: DbTimestamp | null;
  /** JSON array of IP strings, newest first. */
  last_used_ips: string;
  previous_token_id: number | null;
  /** JSON object of TokenRestrictions, or null for an unrestricted token. */
  restrictions: string | null;
  parent_token_id: number | null;
}

/** Projects; (namespace, path) is unique case-insensitively. */
export interface ProjectsTable {
  id: Generated<number>;
  namespace: string;
  path: string;
  name: string;
  description: string | null;
  visibility: string;
  /** Not a foreign key: the project outlives the account that created it. */
  creator_id: number;
  created_at: DbTimestamp;
}

/** Memberships; primary key (project_id, user_id), cascading on both sides. */
export interface ProjectMembersTable {
  project_id: number;
  user_id: number;
  access_level: number;
  created_at: DbTimestamp;
}

/** Browser sessions; `id` is the SHA-256 of the cookie value. */
export interface WebSessionsTable {
  id: string;
  user_id: number;
  /** JSON object. */
  data: string;
  created_at: DbTimestamp;
  expires_at: DbTimestamp;
  last_seen_at: DbTimestamp;
}

/** Failed sign-in counts and locks; one row per account that has failed. */
export interface AccountLockoutsTable {
  user_id: number;
  failed_attempts: number;
  locked_until: DbTimestamp | null;
  updated_at: DbTimestamp;
  /** Checks reserved and not yet settled. */
  attempts_in_flight: Generated<number>;
  /** After this instant the checks in flight are presumed lost. */
  in_flight_until: DbTimestamp | null;
}

/** One row (id 1): the revocation generation. PostgreSQL returns a bigint as a string. */
export interface RevocationGenerationTable {
  id: number;
  value: number | string;
}

/** SSH public keys; `fingerprint_sha256` is unique. */
export interface SshKeysTable {
  id: Generated<number>;
  user_id: number;
  title: string;
  /** The OpenSSH public key line. */
  key: string;
  fingerprint_sha256: string;
  usage_type: string;
  created_at: DbTimestamp;
  expires_at: DbTimestamp | null;
  last_used_at: DbTimestamp | null;
}

/** Notices owed to token owners; (token_id, kind) is unique. */
export interface TokenNotificationsTable {
  id: Generated<number>;
  token_id: number;
  /** A NotificationKind. */
  kind: string;
  /** JSON `{project, commit, path}` for leak protection, else null. */
  leak: string | null;
  /** `pending`, `sent`, `skipped` (no deliverable address) or `failed` (given up). */
  status: string;
  /** Failed deliveries so far. */
  attempts: number;
  created_at: DbTimestamp;
  /** A pending notice is not delivered before this instant. */
  next_attempt_at: DbTimestamp;
  settled_at: DbTimestamp | null;
}

/** Named leases: one holder at a time until `expires_at`. */
export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: DbTimestamp;
}

/** Per project: pushes since its last full repack and when housekeeping last ran (housekeeping.store.ts). */
export interface RepositoryHousekeepingTable {
  project_id: number;
  pushes_since_full: number;
  last_incremental_at: DbTimestamp | null;
  last_full_at: DbTimestamp | null;
}

/** What every instance must share, as first recorded: one-way fingerprints by name. */
export interface InstallationFingerprintsTable {
  name: string;
  value: string;
  recorded_at: DbTimestamp;
}

/** The audit trail; append-only. `details` is a JSON object; `once_key` is unique. */
export interface AuditEventsTable {
  id: Generated<number>;
  created_at: DbTimestamp;
  action: string;
  author_id: number;
  author_name: string;
  entity_type: string;
  entity_id: number;
  entity_path: string;
  target_type: string | null;
  target_id: number | null;
  target_details: string | null;
  ip_address: string | null;
  request_id: string | null;
  details: string;
  once_key: string | null;
}

/** The whole database, as Kysely sees it. */
export interface Schema {
  users: UsersTable;
  personal_access_tokens: PersonalAccessTokensTable;
  projects: ProjectsTable;
  project_members: ProjectMembersTable;
  web_sessions: WebSessionsTable;
  account_lockouts: AccountLockoutsTable;
  ssh_keys: SshKeysTable;
  revocation_generation: RevocationGenerationTable;
  token_notifications: TokenNotificationsTable;
  leases: LeasesTable;
  audit_events: AuditEventsTable;
  repository_housekeeping: RepositoryHousekeepingTable;
  installation_fingerprints: InstallationFingerprintsTable;
}

export type UserRow = Selectable<UsersTable>;
export type TokenRow = Selectable<PersonalAccessTokensTable>;
export type ProjectRow = Selectable<ProjectsTable>;
export type MemberRow = Selectable<ProjectMembersTable>;
export type WebSessionRow = Selectable<WebSessionsTable>;
export type SshKeyRow = Selectable<SshKeysTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
