/**
 * The read-only repository endpoints CI tools use (GitLab's
 * `lib/api/branches.rb` and `lib/api/tags.rb`): branches (list with
 * `search`, `sort` and pagination; one by its URL-encoded name) and tags
 * (list with `search`, `order_by`, `sort` and pagination). Visible projects
 * only (404 otherwise), and their code: a guest gets 403, as GitLab's
 * `authorize_read_code!`. git runs a fixed number of times per request
 * (RefReader): one listing, then the details of the page's refs and, for
 * branches, which of them are merged into the default branch.
 */
import { z } from 'zod';
import type { RefDetails } from '../../git/ref-format.js';
import type { RefOrder } from '../../git/ref-reader.js';
import { NotFoundError } from '../../lib/errors.js';
import { isValidRefName } from '../../lib/ref-name.js';
import { canPush } from '../../projects/project-access.js';
import type { ReadableRepository } from '../../projects/project.service.js';
import type { ApiDeps } from './api-deps.js';
import { branchEntity } from './entities/branch.entity.js';
import { tagEntity } from './entities/tag.entity.js';
import { pageOf, pageParams, type Page, type PageParams } from './pagination.js';
import { text } from './params.js';
import { projectRef } from './project-ref.js';
import { refSearch } from './ref-search.js';
import { route, type ApiRoute } from './route.js';

const BRANCH_SORTS = { name_asc: 'refname', updated_asc: 'committerdate', updated_desc: '-committerdate' } as const satisfies Record<string, RefOrder>;
const TAG_ORDERS = {
  name: { asc: 'refname', desc: '-refname' },
  updated: { asc: 'creatordate', desc: '-creatordate' },
  version: { asc: 'version:refname', desc: '-version:refname' },
} as const satisfies Record<string, Record<'asc' | 'desc', RefOrder>>;

const branchListParams = z.object({
  search: text(255).optional(),
  sort: z.enum(Object.keys(BRANCH_SORTS) as [keyof typeof BRANCH_SORTS]).optional().meta({ default: 'name_asc' }),
  ...pageParams,
});

const tagListParams = z.object({
  search: text(255).optional(),
  order_by: z.enum(Object.keys(TAG_ORDERS) as [keyof typeof TAG_ORDERS]).optional().meta({ default: 'updated' }),
  sort: z.enum(['asc', 'desc']).optional().meta({ default: 'desc' }),
  ...pageParams,
});

const HEADS = 'refs/heads/';
const TAGS = 'refs/tags/';

/**
 * The refs of `listed` (full names under `prefix`, in git's order) that
 * `search` matches by their short name, in GitLab's order for the search,
 * cut to the page asked for: the page's full names and how many matched.
 */
function searchedPage(
  listed: readonly { refname: string }[],
  prefix: string,
  params: PageParams & { search?: string | undefined },
): { names: string[]; page: Page; total: number } {
  const search = params.search ? refSearch(params.search) : null;
  const shortName = (r: { refname: string }): string => r.refname.slice(prefix.length);
  const matching = search ? search.order(listed.filter((r) => search.matches(shortName(r))), shortName) : listed;
  const page = pageOf(params);
  return { names: matching.slice(page.offset, page.offset + page.limit).map((r) => r.refname), page, total: matching.length };
}

/** The branch and tag routes. */
export function repositoryRoutes(deps: ApiDeps): ApiRoute[] {
  const { projects, refs } = deps;

  /** Branch entities for `names` (full ref names, in order), `merged` from one more git run. */
  const branches = async (repo: ReadableRepository, names: string[], defaultCommit: string | null) => {
    const defaultRef = repo.defaultBranch === null ? null : `${HEADS}${repo.defaultBranch}`;
    const [details, merged] = await Promise.all([
      refs.details(repo.repoPath, names),
      defaultCommit ? refs.mergedInto(repo.repoPath, defaultCommit, names) : Promise.resolve(new Set<string>()),
    ]);
    return names.flatMap((refname) => {
      const ref = details.get(refname);
      if (!ref) return [];
      // GitLab's merged_to_root_ref?: reachable from the default branch, but not at its very commit.
      const isMerged = merged.has(refname) && ref.objectId !== defaultCommit;
      const facts = { merged: isMerged, isDefault: refname === defaultRef, canPush: canPush(repo.level) };
      return [branchEntity(refname.slice(HEADS.length), ref, facts)];
    });
  };

  return [
    route({
      method: 'get',
      path: '/projects/:id/repository/branches',
      summary: "List a project's branches",
      tag: 'branches',
      scope: 'read_api',
      anonymous: true,
      params: branchListParams,
      success: { status: 200, body: 'Branch', list: true },
      errors: [400, 404],
      description: '`search` is a case-insensitive substring, or with `^`, `$` and `*` anchored and wildcarded, as in GitLab.',
      handle: async ({ params, path, viewer }) => {
        const repo = await projects.openRepository(viewer, projectRef(path.id));
        const listed = await refs.list(repo.repoPath, 'branches', BRANCH_SORTS[params.sort ?? 'name_asc']);
        const { names, page, total } = searchedPage(listed, HEADS, params);
        const defaultRef = repo.defaultBranch === null ? null : `${HEADS}${repo.defaultBranch}`;
        const defaultCommit = listed.find((r) => r.refname === defaultRef)?.objectId ?? null;
        return { body: await branches(repo, names, defaultCommit), page: { page, total } };
      },
    }),
    route({
      method: 'get',
      path: '/projects/:id/repository/branches/:branch',
      summary: 'Get one branch by its URL-encoded name',
      tag: 'branches',
      scope: 'read_api',
      anonymous: true,
      success: { status: 200, body: 'Branch' },
      errors: [404],
      handle: async ({ path, viewer }) => {
        const repo = await projects.openRepository(viewer, projectRef(path.id));
        const name = path.branch ?? '';
        if (!isValidRefName(name)) throw new NotFoundError('404 Branch');
        const defaultRef = repo.defaultBranch === null ? null : `${HEADS}${repo.defaultBranch}`;
        const found = await refs.details(repo.repoPath, defaultRef ? [`${HEADS}${name}`, defaultRef] : [`${HEADS}${name}`]);
        if (!found.has(`${HEADS}${name}`)) throw new NotFoundError('404 Branch');
        // The default branch itself is never "merged": no need to ask git.
        const defaultCommit = defaultRef && name !== repo.defaultBranch ? (found.get(defaultRef)?.objectId ?? null) : null;
        const [branch] = await branches(repo, [`${HEADS}${name}`], defaultCommit);
        return { body: branch };
      },
    }),
    route({
      method: 'get',
      path: '/projects/:id/repository/tags',
      summary: "List a project's tags",
      tag: 'tags',
      scope: 'read_api',
      anonymous: true,
      params: tagListParams,
      success: { status: 200, body: 'Tag', list: true },
      errors: [400, 404],
      description: '`updated` orders by the tag\'s date (the tagger\'s, or the commit\'s for a lightweight tag); `search` as for branches.',
      handle: async ({ params, path, viewer }) => {
        const repo = await projects.openRepository(viewer, projectRef(path.id));
        const listed = await refs.list(repo.repoPath, 'tags', TAG_ORDERS[params.order_by ?? 'updated'][params.sort ?? 'desc']);
        const { names, page, total } = searchedPage(listed, TAGS, params);
        const details = await refs.details(repo.repoPath, names);
        const body = names.flatMap((refname) => {
          const ref: RefDetails | undefined = details.get(refname);
          return ref ? [tagEntity(refname.slice(TAGS.length), ref)] : [];
        });
        return { body, page: { page, total } };
      },
    }),
  ];
}
