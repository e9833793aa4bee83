import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { pageHref, pageOf, paginationHeaders } from './pagination.js';

describe('pageOf', () => {
  it.each([
    [{}, { page: 1, perPage: 20, limit: 20, offset: 0 }],
    [{ page: 3, per_page: 10 }, { page: 3, perPage: 10, limit: 10, offset: 20 }],
    [{ page: 0, per_page: 500 }, { page: 1, perPage: 100, limit: 100, offset: 0 }],
    [{ page: -4, per_page: 0 }, { page: 1, perPage: 20, limit: 20, offset: 0 }],
  ])('%j → %j', (params, page) => {
    expect(pageOf(params)).toEqual(page);
  });
});

describe('paginationHeaders', () => {
  const href = (n: number) => `u?page=${n}`;

  it('links prev, next, first and last from a middle page', () => {
    expect(paginationHeaders(pageOf({ page: 2, per_page: 2 }), 5, href)).toEqual({
      'X-Page': '2',
      'X-Per-Page': '2',
      'X-Next-Page': '3',
      'X-Prev-Page': '1',
      'X-Total': '5',
      'X-Total-Pages': '3',
      Link: '<u?page=1>; rel="prev", <u?page=3>; rel="next", <u?page=1>; rel="first", <u?page=3>; rel="last"',
    });
  });

  it('reports one page for nothing, and no neighbours beyond the end', () => {
    const empty = paginationHeaders(pageOf({}), 0, href);
    expect([empty['X-Total-Pages'], empty['X-Next-Page'], empty.Link]).toEqual(['1', '', '<u?page=1>; rel="first", <u?page=1>; rel="last"']);
    const beyond = paginationHeaders(pageOf({ page: 7 }), 3, href);
    expect([beyond['X-Next-Page'], beyond['X-Prev-Page']]).toEqual(['', '']);
  });
});

describe('pageHref', () => {
  it('keeps the query, replaces page and per_page, and drops credentials', () => {
    const req = { originalUrl: '/api/v4/users?search=a%20b&private_token=glpat-secret&page=4&per_page=5&sudo=x' } as Request;
    expect(pageHref(req, 'https://git.example.test', 5)(2)).toBe(
      'https://git.example.test/api/v4/users?search=a+b&sudo=x&page=2&per_page=5',
    );
  });
});
