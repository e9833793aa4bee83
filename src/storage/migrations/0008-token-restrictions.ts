/**
 * Restricted tokens (issue 16): what a token is limited to, as one JSON
 * object (null: unrestricted), and the token that minted it, so revoking a
 * parent reaches its children.
 */
import type { Migration } from 'kysely';

/** Builds the migration (the same on both dialects). */
export function tokenRestrictions(): Migration {
  return {
    async up(db) {
      await db.schema.alterTable('personal_access_tokens').addColumn('restrictions', 'text').execute();
      await db.schema.alterTable('personal_access_tokens').addColumn('parent_token_id', 'integer').execute();
      await db.schema.createIndex('personal_access_tokens_parent_token_id').on('personal_access_tokens').column('parent_token_id').execute();
    },

    async down(db) {
      await db.schema.dropIndex('personal_access_tokens_parent_token_id').execute();
      await db.schema.alterTable('personal_access_tokens').dropColumn('parent_token_id').execute();
      await db.schema.alterTable('personal_access_tokens').dropColumn('restrictions').execute();
    },
  };
}
