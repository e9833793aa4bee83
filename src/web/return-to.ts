/**
 * Where to send the browser after signing in. Only paths on this server are
 * accepted, so the sign-in form cannot be used as an open redirect.
 */
import { ACCESS_TOKENS_PATH } from '../lib/access-tokens-page.js';

/** The default page after signing in: the Access Tokens page. */
export const HOME_PATH = ACCESS_TOKENS_PATH;

const MAX_LENGTH = 2048;

/**
 * `value` when it is a local absolute path (`/…`, not `//host` or `/\host`,
 * no control characters), else null.
 *
 * @example
 * safeReturnTo('/-/user_settings/two_factor_auth'); // '/-/user_settings/two_factor_auth'
 * safeReturnTo('//evil.example/'); // null
 */
export function safeReturnTo(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LENGTH) return null;
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return null;
  // Browsers drop tabs and newlines from URLs, so "/\t/evil.example" would become "//evil.example".
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return null;
  try {
    const resolved = new URL(value, 'http://gitgate.invalid');
    const local = resolved.pathname + resolved.search;
    // Dot segments collapse while resolving ("/.//evil.example" → "//evil.example"),
    // so the result is checked again: it must still be a path, not a host.
    return resolved.host === 'gitgate.invalid' && !local.startsWith('//') ? local : null;
  } catch {
    return null;
  }
}
