/**
 * The first schema: users, personal access tokens, projects, memberships and
 * web sessions. Written once for both dialects; column types that differ come
 * from the dialect helper.
 */
import { sql } from 'kysely';
import type { Migration } from 'kysely';
import type { DialectHelper } from '../dialects/dialect.js';

/** Builds the migration for `dialect`. */
export function initialSchema(dialect: DialectHelper): Migration {
  const ts = dialect.timestampType;
  const bool = dialect.booleanType;
  return {
    async up(db) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'integer', (c) => dialect.autoIncrementId(c))
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text')
        .addColumn('is_admin', bool, (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('otp_secret', 'text')
        .addColumn('two_factor_enabled', bool, (c) => c.notNull())
        .addColumn('otp_backup_codes', 'text', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .execute();
      // lower() on both sides of every comparison keeps both engines identical.
      await db.schema.createIndex('users_username_unique').on('users').unique().expression(sql`lower(username)`).execute();
      await db.schema.createIndex('users_email_unique').on('users').unique().expression(sql`lower(email)`).execute();

      await db.schema
        .createTable('personal_access_tokens')
        .addColumn('id', 'integer', (c) => dialect.autoIncrementId(c))
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('last_four', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text')
        .addColumn('revoked', bool, (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('last_used_at', ts)
        .addColumn('last_used_ips', 'text', (c) => c.notNull())
        .addColumn('previous_token_id', 'integer', (c) =>
          c.references('personal_access_tokens.id').onDelete('set null'),
        )
        .execute();
      await db.schema
        .createIndex('personal_access_tokens_digest_unique')
        .on('personal_access_tokens')
        .unique()
        .column('digest')
        .execute();
      await db.schema.createIndex('personal_access_tokens_user_id').on('personal_access_tokens').column('user_id').execute();
      await db.schema
        .createIndex('personal_access_tokens_previous_token_id')
        .on('personal_access_tokens')
        .column('previous_token_id')
        .execute();

      await db.schema
        .createTable('projects')
        .addColumn('id', 'integer', (c) => dialect.autoIncrementId(c))
        .addColumn('namespace', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('visibility', 'text', (c) => c.notNull())
        .addColumn('creator_id', 'integer', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('projects_namespace_path_unique')
        .on('projects')
        .unique()
        .expression(sql`lower(namespace), lower(path)`)
        .execute();

      await db.schema
        .createTable('project_members')
        .addColumn('project_id', 'integer', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('access_level', 'integer', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addPrimaryKeyConstraint('project_members_pkey', ['project_id', 'user_id'])
        .execute();
      await db.schema.createIndex('project_members_user_id').on('project_members').column('user_id').execute();

      await db.schema
        .createTable('web_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('expires_at', ts, (c) => c.notNull())
        .addColumn('last_seen_at', ts, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('web_sessions_user_id').on('web_sessions').column('user_id').execute();
      await db.schema.createIndex('web_sessions_expires_at').on('web_sessions').column('expires_at').execute();
    },

    async down(db) {
      for (const table of ['web_sessions', 'project_members', 'projects', 'personal_access_tokens', 'users']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
