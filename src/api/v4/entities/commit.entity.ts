/**
 * Commits in GitLab's shape (`lib/api/entities/commit.rb`), as the branch and
 * tag entities embed them. `web_url` is left out: gitgate serves no commit
 * page it could lead to.
 */
import type { CommitDetails } from '../../../git/ref-format.js';

/** GitLab's commit and tag times: ISO 8601 with milliseconds and the object's own offset. */
export function gitlabTime(iso: string): string {
  return iso.replace(/^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(Z|[+-]\d\d:\d\d)$/, '$1.000$2');
}

/** `Commit`. */
export function commitEntity(commit: CommitDetails) {
  // Maps, then own properties: a trailer key is the commit author's text (`__proto__` included).
  const trailers = new Map<string, string>();
  const extended = new Map<string, string[]>();
  for (const [key, value] of commit.trailers) {
    trailers.set(key, value);
    extended.set(key, [...(extended.get(key) ?? []), value]);
  }
  return {
    id: commit.id,
    // GitLab's Commit#short_id: the first 8 characters.
    short_id: commit.id.slice(0, 8),
    created_at: gitlabTime(commit.committedDate),
    parent_ids: commit.parentIds,
    // GitLab's full_title: the message's first line, or a placeholder for an empty message.
    title: commit.message.trim() === '' ? 'No commit message' : commit.message.split('\n', 1)[0]!,
    message: commit.message,
    author_name: commit.authorName,
    author_email: commit.authorEmail,
    authored_date: gitlabTime(commit.authoredDate),
    committer_name: commit.committerName,
    committer_email: commit.committerEmail,
    committed_date: gitlabTime(commit.committedDate),
    trailers: Object.fromEntries(trailers),
    extended_trailers: Object.fromEntries(extended),
  };
}
