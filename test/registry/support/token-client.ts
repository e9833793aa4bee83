/**
 * Talks to gitgate's `/jwt/auth` the way docker and skopeo do.
 */
import type { Gateway } from '../../support/gateway.js';

export interface TokenAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  /** The decoded JWT header and claims when a token came back. */
  jwt: { header: Record<string, unknown>; claims: Record<string, unknown> } | null;
}

/** `Basic` credentials as docker sends them. */
export function basic(username: string, secret: string): string {
  return `Basic ${Buffer.from(`${username}:${secret}`).toString('base64')}`;
}

/** GET /jwt/auth with `service=container_registry` (unless overridden) and one `scope` parameter each. */
export async function requestToken(
  gw: Gateway,
  options: { scopes?: string[]; authorization?: string; service?: string | null; extra?: Record<string, string> } = {},
): Promise<TokenAnswer> {
  const query = new URLSearchParams();
  if (options.service !== null) query.append('service', options.service ?? 'container_registry');
  for (const scope of options.scopes ?? []) query.append('scope', scope);
  for (const [k, v] of Object.entries(options.extra ?? {})) query.append(k, v);
  const res = await fetch(`${gw.url}/jwt/auth?${query}`, {
    headers: options.authorization ? { authorization: options.authorization } : {},
  });
  const body = (await res.json()) as Record<string, unknown>;
  return { status: res.status, headers: res.headers, body, jwt: typeof body.token === 'string' ? decode(body.token) : null };
}

/** The `access` claim of an answer (throws when there is no token). */
export function accessOf(answer: TokenAnswer): unknown {
  if (!answer.jwt) throw new Error(`no token: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.jwt.claims.access;
}

function decode(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [h, c] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h!, 'base64url').toString()) as Record<string, unknown>,
    claims: JSON.parse(Buffer.from(c!, 'base64url').toString()) as Record<string, unknown>,
  };
}
