/**
 * GitLab's offset pagination: `page` (from 1) and `per_page` (default 20,
 * at most 100) in; `X-Page`, `X-Per-Page`, `X-Next-Page`, `X-Prev-Page`,
 * `X-Total`, `X-Total-Pages` and a `Link` header (prev, next, first, last)
 * out, with links built from the configured external URL.
 */
import type { Request, Response } from 'express';
import { z } from 'zod';
import { int } from './params.js';

/** GitLab's default page size. */
export const DEFAULT_PER_PAGE = 20;
/** GitLab's largest page size. */
export const MAX_PER_PAGE = 100;

/**
 * The pagination parameters every list endpoint accepts. Any integer is
 * taken (pageOf brings it into range); the document states the range.
 */
export const pageParams = {
  page: int().prefault(1).meta({ minimum: 1 }),
  per_page: int().prefault(DEFAULT_PER_PAGE).meta({ minimum: 1, maximum: MAX_PER_PAGE }),
};

/** A resolved page: what the store is asked for. */
export interface Page {
  page: number;
  perPage: number;
  limit: number;
  offset: number;
}

/**
 * Resolves `page`/`per_page` like Kaminari under GitLab's settings: a page
 * below 1 is page 1; a `per_page` below 1 is the default; above 100 is 100.
 *
 * @example pageOf({ page: 3, per_page: 10 }) // { page: 3, perPage: 10, limit: 10, offset: 20 }
 */
export function pageOf(params: { page?: number | undefined; per_page?: number | undefined }): Page {
  const page = Math.max(1, params.page ?? 1);
  const requested = params.per_page ?? DEFAULT_PER_PAGE;
  const perPage = requested < 1 ? DEFAULT_PER_PAGE : Math.min(requested, MAX_PER_PAGE);
  return { page, perPage, limit: perPage, offset: (page - 1) * perPage };
}

/** The header values for one page of `total` items (GitLab: at least one page). */
export function paginationHeaders(page: Page, total: number, href: (page: number) => string): Record<string, string> {
  const totalPages = Math.max(1, Math.ceil(total / page.perPage));
  const inRange = page.page <= totalPages;
  const next = inRange && page.page < totalPages ? page.page + 1 : null;
  const prev = inRange && page.page > 1 ? page.page - 1 : null;
  const links = [
    ...(prev !== null ? [`<${href(prev)}>; rel="prev"`] : []),
    ...(next !== null ? [`<${href(next)}>; rel="next"`] : []),
    `<${href(1)}>; rel="first"`,
    `<${href(totalPages)}>; rel="last"`,
  ];
  return {
    'X-Page': String(page.page),
    'X-Per-Page': String(page.perPage),
    'X-Next-Page': next === null ? '' : String(next),
    'X-Prev-Page': prev === null ? '' : String(prev),
    'X-Total': String(total),
    'X-Total-Pages': String(totalPages),
    Link: links.join(', '),
  };
}

/** Query parameters a pagination link must never carry (GitLab would echo the token). */
const UNSAFE_LINK_PARAMS = new Set(['private_token', 'access_token']);

/**
 * Builds page links for this request: `externalUrl` + the request path, the
 * request's own query with `page`/`per_page` replaced and credentials removed.
 */
export function pageHref(req: Request, externalUrl: string, perPage: number): (page: number) => string {
  const url = new URL(req.originalUrl, 'http://gitgate.invalid');
  const query = new URLSearchParams();
  for (const [key, value] of url.searchParams) {
    if (!UNSAFE_LINK_PARAMS.has(key) && key !== 'page' && key !== 'per_page') query.append(key, value);
  }
  return (page) => {
    const q = new URLSearchParams(query);
    q.set('page', String(page));
    q.set('per_page', String(perPage));
    return `${externalUrl}${url.pathname}?${q.toString()}`;
  };
}

/** Sets the pagination headers of `res` for one page of `total` items. */
export function setPaginationHeaders(req: Request, res: Response, externalUrl: string, page: Page, total: number): void {
  res.set(paginationHeaders(page, total, pageHref(req, externalUrl, page.perPage)));
}

/** Shape of the pagination parameters once parsed. */
export type PageParams = z.output<z.ZodObject<typeof pageParams>>;
