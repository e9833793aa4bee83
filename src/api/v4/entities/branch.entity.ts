/**
 * Branches in GitLab's shape (`lib/api/entities/branch.rb`). gitgate has no
 * protected branches, so `protected`, `developers_can_push` and
 * `developers_can_merge` are false, as GitLab answers for an unprotected
 * branch. `web_url` is left out: gitgate serves no branch page.
 */
import type { RefDetails } from '../../../git/ref-format.js';
import { commitEntity } from './commit.entity.js';

/** What a branch answer says beyond the ref itself. */
export interface BranchFacts {
  /** Reachable from the default branch and not at its commit (GitLab's `merged`). */
  merged: boolean;
  /** The default branch itself. */
  isDefault: boolean;
  /** The caller may push to the project (developer and up). */
  canPush: boolean;
}

/** `Branch`. */
export function branchEntity(name: string, ref: RefDetails, facts: BranchFacts) {
  return {
    name,
    commit: ref.commit ? commitEntity(ref.commit) : null,
    merged: facts.merged,
    protected: false,
    developers_can_push: false,
    developers_can_merge: false,
    can_push: facts.canPush,
    default: facts.isDefault,
  };
}
