/**
 * JSON Schemas (OpenAPI 3.1) of the entities the API answers with. Each
 * lists every field the serializers in `../entities` write; the OpenAPI test
 * checks live responses against them field by field.
 */

/** A JSON Schema object. */
export type Schema = Record<string, unknown>;

const str: Schema = { type: 'string' };
const nullableStr: Schema = { type: ['string', 'null'] };
const int: Schema = { type: 'integer' };
const bool: Schema = { type: 'boolean' };
const nullable: Schema = { type: 'null' };
const dateTime: Schema = { type: 'string', format: 'date-time' };
const nullableDateTime: Schema = { type: ['string', 'null'], format: 'date-time' };
const strings: Schema = { type: 'array', items: str };

/** An object whose listed properties are all required, but those named in `optional`. */
export function object(properties: Record<string, Schema>, description?: string, optional: readonly string[] = []): Schema {
  const required = Object.keys(properties).filter((name) => !optional.includes(name));
  return { type: 'object', ...(description ? { description } : {}), required, properties };
}

const userBasic = {
  id: int,
  username: str,
  name: str,
  state: { type: 'string', enum: ['active', 'blocked'] },
  locked: bool,
  avatar_url: nullableStr,
  web_url: str,
};
const userDetails = {
  ...userBasic,
  created_at: dateTime,
  bio: str,
  location: str,
  public_email: nullableStr,
  website_url: str,
  organization: str,
  job_title: str,
  bot: bool,
};
const userPublic = {
  ...userDetails,
  last_sign_in_at: nullableDateTime,
  confirmed_at: nullableDateTime,
  last_activity_on: nullableStr,
  email: str,
  commit_email: str,
  projects_limit: int,
  current_sign_in_at: nullableDateTime,
  identities: { type: 'array' },
  can_create_group: bool,
  can_create_project: bool,
  two_factor_enabled: bool,
  external: bool,
  private_profile: bool,
};
const userWithAdmin = { ...userPublic, is_admin: bool, note: nullableStr };

const project = {
  id: int,
  description: nullableStr,
  name: str,
  name_with_namespace: str,
  path: str,
  path_with_namespace: str,
  created_at: dateTime,
  default_branch: {
    type: ['string', 'null'],
    description: "The branch HEAD names (also before the first push); absent when the caller cannot read the code, null when HEAD names no branch",
  },
  tag_list: strings,
  topics: strings,
  ssh_url_to_repo: { type: ['string', 'null'], description: 'For the shared SSH user (`git@host:ns/project.git` on port 22); null while SSH is off' },
  http_url_to_repo: str,
  web_url: str,
  readme_url: nullableStr,
  avatar_url: nullableStr,
  forks_count: int,
  star_count: int,
  last_activity_at: dateTime,
  namespace: object({
    name: str,
    path: str,
    kind: { type: 'string', enum: ['user'] },
    full_path: str,
    parent_id: nullable,
    avatar_url: nullableStr,
    web_url: str,
  }),
  visibility: { type: 'string', enum: ['private', 'internal', 'public'] },
  creator_id: int,
  empty_repo: { type: ['boolean', 'null'] },
  archived: bool,
};
const projectAccess: Schema = {
  type: ['object', 'null'],
  required: ['access_level', 'notification_level'],
  properties: { access_level: int, notification_level: int },
};

const token = {
  id: int,
  name: str,
  description: nullableStr,
  revoked: bool,
  created_at: dateTime,
  scopes: strings,
  user_id: int,
  last_used_at: nullableDateTime,
  last_used_ips: strings,
  active: bool,
  expired: bool,
  expires_at: { type: ['string', 'null'], format: 'date' },
  projects: { type: ['array', 'null'], items: int, description: 'Project ids the token is limited to (with namespaces); null: not limited' },
  namespaces: { type: ['array', 'null'], items: str, description: 'Namespaces the token is limited to (with projects); null: not limited' },
  allowed_ips: { type: ['array', 'null'], items: str, description: 'Addresses or CIDRs the token may be used from; null: anywhere' },
  push_refs: { type: ['array', 'null'], items: str, description: 'Ref patterns a push may update; null: any ref' },
  allow_force_push: bool,
  allow_ref_deletion: bool,
  parent_token_id: { type: ['integer', 'null'], description: 'The token that created this one; revoking it revokes this one' },
};

const sshKey = {
  id: int,
  title: str,
  created_at: dateTime,
  expires_at: nullableDateTime,
  last_used_at: nullableDateTime,
  key: { type: 'string', description: "Type and key, then the owner's name and the host instead of the uploaded comment" },
  usage_type: { type: 'string', enum: ['auth', 'signing', 'auth_and_signing'] },
};

const commit = object(
  {
    id: str,
    short_id: str,
    created_at: dateTime,
    parent_ids: strings,
    title: str,
    message: str,
    author_name: str,
    author_email: str,
    authored_date: dateTime,
    committer_name: str,
    committer_email: str,
    committed_date: dateTime,
    trailers: { type: 'object', additionalProperties: str, description: "The message's trailers, the last value of each key" },
    extended_trailers: { type: 'object', additionalProperties: strings, description: "The message's trailers, every value of each key" },
  },
  'A commit, as git stores it',
);
const nullableCommit: Schema = { oneOf: [commit, nullable], description: 'The commit the ref leads to; null when it leads to another kind of object' };

/** `components.schemas` of the document. */
export const SCHEMAS = {
  UserBasic: object(userBasic, 'What any signed-in user sees in lists'),
  User: object(userDetails, "Another user's profile"),
  UserPublic: object(userPublic, 'The caller itself (GET /user)'),
  UserWithAdmin: object(userWithAdmin, 'Any user, as an administrator sees it'),
  Project: object(project, undefined, ['default_branch']),
  ProjectWithAccess: object(
    {
      ...project,
      permissions: object({ project_access: projectAccess, group_access: nullable }),
    },
    undefined,
    ['default_branch'],
  ),
  Member: object({
    ...userBasic,
    access_level: { type: 'integer', enum: [10, 20, 30, 40, 50] },
    created_at: dateTime,
    expires_at: nullable,
    membership_state: str,
  }),
  PersonalAccessToken: object(token),
  PersonalAccessTokenWithToken: object({ ...token, token: str }, 'Carries the token itself, shown this once'),
  TokenInformation: object({ ...token, user: object(userWithAdmin) }, 'A token identified by its plaintext, and its owner as an administrator sees it'),
  SSHKey: object(sshKey, 'An SSH public key for Git over SSH'),
  Branch: object(
    {
      name: str,
      commit: nullableCommit,
      merged: { type: 'boolean', description: "Reachable from the default branch, and not at the default branch's commit" },
      protected: { type: 'boolean', enum: [false] },
      developers_can_push: { type: 'boolean', enum: [false] },
      developers_can_merge: { type: 'boolean', enum: [false] },
      can_push: { type: 'boolean', description: 'The caller is a developer or above' },
      default: bool,
    },
    'A branch (gitgate has no protected branches)',
  ),
  Tag: object(
    {
      name: str,
      message: { type: 'string', description: "An annotated tag's message; empty for a lightweight tag" },
      target: { type: 'string', description: 'The object the tag points at: the tag object of an annotated tag' },
      commit: nullableCommit,
      release: nullable,
      protected: { type: 'boolean', enum: [false] },
      created_at: { type: ['string', 'null'], format: 'date-time', description: "An annotated tag's date; null for a lightweight tag" },
    },
    'A tag (gitgate has no releases or protected tags)',
  ),
  AuditEvent: object(
    {
      id: int,
      author_id: { type: 'integer', description: 'An account, or 0 the command line, -1 an unauthenticated client, -2 gitgate itself' },
      entity_id: int,
      entity_type: { type: 'string', enum: ['User', 'Project', 'Group', 'Gitlab::Audit::InstanceScope'] },
      details: {
        type: 'object',
        description: "GitLab's keys (event_name, author_name, target_id, target_type, target_details, ip_address, entity_path), request_id, and the event's own",
        required: ['event_name', 'author_name', 'target_id', 'target_type', 'target_details', 'ip_address', 'entity_path', 'request_id'],
        properties: {
          event_name: str,
          author_name: str,
          target_id: { type: ['integer', 'null'] },
          target_type: nullableStr,
          target_details: nullableStr,
          ip_address: nullableStr,
          entity_path: str,
          request_id: nullableStr,
        },
        additionalProperties: { description: "The event's own details: surface, credential, reason, scopes, address…" },
      },
      created_at: dateTime,
    },
    'A security event (never a token or a password)',
  ),
  Metadata: object(
    {
      version: { type: 'string', description: 'The GitLab release whose API this instance follows, with `-gitgate`' },
      revision: { type: 'string', description: "gitgate's own version" },
      kas: object({ enabled: { type: 'boolean', enum: [false] }, externalUrl: nullable, version: nullable }),
      enterprise: bool,
    },
    'This instance',
  ),
  Boolean: { type: 'boolean', description: 'GitLab answers block and unblock with `true`' },
  Message: object({ message: {} }, 'GitLab error: "401 Unauthorized", "404 User Not Found", or {field: [messages]}'),
  ParamsError: object({ error: str }, 'Invalid parameters, e.g. "name is missing"'),
  OAuthError: {
    type: 'object',
    description: 'Token refused (invalid_token, 401) or insufficient scope (insufficient_scope, 403, with scope)',
    required: ['error', 'error_description'],
    properties: { error: str, error_description: str, scope: str },
  },
} satisfies Record<string, Schema>;

/** The name of a component schema, as routes name their success bodies. */
export type SchemaName = keyof typeof SCHEMAS;
