/**
 * Tags in GitLab's shape (`lib/api/entities/tag.rb`): an annotated tag's
 * message and tagger date, the object the tag points at (`target`) and the
 * commit it leads to. gitgate has no releases and no protected tags.
 */
import type { RefDetails } from '../../../git/ref-format.js';
import { commitEntity, gitlabTime } from './commit.entity.js';

/** `Tag`. A lightweight tag has an empty message and no `created_at`, as in GitLab. */
export function tagEntity(name: string, ref: RefDetails) {
  return {
    name,
    message: ref.tag?.message ?? '',
    target: ref.objectId,
    commit: ref.commit ? commitEntity(ref.commit) : null,
    release: null,
    protected: false,
    created_at: ref.tag?.date ? gitlabTime(ref.tag.date) : null,
  };
}
