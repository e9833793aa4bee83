/**
 * A tiny HTTP client for the API suites: one call, the parsed JSON body,
 * headers, and helpers for the three token sources.
 */
import os from 'node:os';
import type { ApiDeps } from '../../src/api/v4/api-deps.js';
import { DEFAULT_GIT_PATH } from '../../src/git/git-env.js';
import { RefReader } from '../../src/git/ref-reader.js';
import { ProjectUrls } from '../../src/projects/project-urls.js';
import type { Gateway } from '../support/gateway.js';

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or null for an empty body. */
  body: unknown;
  text: string;
}

export interface CallOptions {
  /** Sent as `PRIVATE-TOKEN` unless `via` says otherwise. */
  token?: string;
  via?: 'header' | 'query' | 'bearer';
  headers?: Record<string, string>;
  json?: unknown;
  /** Sent form-encoded; arrays as `key[]=…` pairs unless given pre-encoded as a string. */
  form?: Record<string, string | string[]> | string;
}

/** Encodes `form` like curl/Rack clients do (`scopes[]=a&scopes[]=b`). */
export function formBody(form: Record<string, string | string[]>): string {
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(form)) {
    if (Array.isArray(value)) for (const v of value) out.append(`${key}[]`, v);
    else out.append(key, value);
  }
  return out.toString();
}

/** A caller bound to one gateway. */
export function apiClient(gw: Gateway) {
  return async function call(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> {
    const url = new URL(`${gw.url}/api/v4${path}`);
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) {
      const via = options.via ?? 'header';
      if (via === 'header') headers['PRIVATE-TOKEN'] = options.token;
      else if (via === 'bearer') headers.Authorization = `Bearer ${options.token}`;
      else url.searchParams.set('private_token', options.token);
    }
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = typeof options.json === 'string' ? options.json : JSON.stringify(options.json);
    } else if (options.form !== undefined) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      body = typeof options.form === 'string' ? options.form : formBody(options.form);
    }
    const res = await fetch(url, { method, headers, body });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : null, text };
  };
}

/** The body as a record, for field assertions. */
export function obj(res: ApiResponse): Record<string, unknown> {
  return res.body as Record<string, unknown>;
}

/** The body as a list of records. */
export function list(res: ApiResponse): Record<string, unknown>[] {
  return res.body as Record<string, unknown>[];
}

/** The API's dependencies over a gateway's system, to build routes or a router of one's own. */
export function apiDeps(gw: Gateway): ApiDeps {
  const s = gw.system;
  const ssh = s.config.ssh && gw.sshPort !== null ? { user: s.config.ssh.user, port: gw.sshPort } : null;
  return {
    users: s.users,
    tokens: s.tokens,
    tokenInformation: s.tokenInformation,
    projects: s.projects,
    housekeeping: s.housekeeping,
    sshKeys: s.sshKeys,
    audit: s.audit,
    logger: s.logger,
    externalUrl: s.config.externalUrl,
    urls: new ProjectUrls(s.config.externalUrl, ssh),
    refs: new RefReader({ gitBin: s.config.gitBin, envPath: DEFAULT_GIT_PATH, homeDir: os.tmpdir(), stderrLimitBytes: 8192, timeoutMs: 30_000 }),
  };
}
