/**
 * A minimal browser stand-in for HTTP-level tests of the web pages: keeps
 * cookies, follows no redirects by itself, and reads the CSRF token of the
 * last page so forms can be posted as a browser would.
 */

/** A response with its body read. */
export interface Page {
  status: number;
  headers: Headers;
  html: string;
  location: string | null;
}

export interface PostOptions {
  /** The CSRF token to send; default: the one on the last page. `null` sends none. */
  csrf?: string | null;
  headers?: Record<string, string>;
}

export class WebClient {
  readonly cookies = new Map<string, string>();
  /** The CSRF token found on the last page fetched. */
  csrf: string | null = null;

  constructor(
    readonly baseUrl: string,
    /** Extra headers for every request (e.g. X-Forwarded-For). */
    readonly headers: Record<string, string> = {},
  ) {}

  async get(path: string, headers: Record<string, string> = {}): Promise<Page> {
    return this.request('GET', path, undefined, headers);
  }

  async post(path: string, fields: Record<string, string | string[]>, options: PostOptions = {}): Promise<Page> {
    const body = new URLSearchParams();
    const token = options.csrf === undefined ? this.csrf : options.csrf;
    if (token !== null) body.append('authenticity_token', token);
    for (const [name, value] of Object.entries(fields)) {
      for (const v of Array.isArray(value) ? value : [value]) body.append(name, v);
    }
    return this.request('POST', path, body, options.headers ?? {});
  }

  /** Signs in with the password form; returns the response to the POST. */
  async signIn(login: string, password: string): Promise<Page> {
    await this.get('/users/sign_in');
    return this.post('/users/sign_in', { login, password });
  }

  /** Follows a redirect the last response asked for. */
  async follow(page: Page): Promise<Page> {
    if (!page.location) throw new Error(`expected a redirect, got ${page.status}`);
    return this.get(page.location);
  }

  private async request(method: string, path: string, body: URLSearchParams | undefined, headers: Record<string, string>): Promise<Page> {
    const res = await fetch(new URL(path, this.baseUrl), {
      method,
      body,
      redirect: 'manual',
      headers: {
        ...this.headers,
        ...(this.cookies.size > 0 ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
        ...headers,
      },
    });
    for (const line of res.headers.getSetCookie()) this.store(line);
    const html = await res.text();
    const token = /name="authenticity_token" value="([^"]+)"/.exec(html);
    if (token) this.csrf = token[1]!;
    return { status: res.status, headers: res.headers, html, location: res.headers.get('location') };
  }

  private store(setCookie: string): void {
    const [pair = '', ...attributes] = setCookie.split(';').map((s) => s.trim());
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    const expired = attributes.some((a) => /^expires=/i.test(a) && new Date(a.slice(8)).getTime() < Date.now());
    if (expired || value === '') this.cookies.delete(name);
    else this.cookies.set(name, value);
  }
}

/** The attributes of the `Set-Cookie` line for `name` in a response, lower-cased; null when not set. */
export function cookieAttributes(page: Page, name: string): string[] | null {
  const line = page.headers.getSetCookie().find((l) => l.startsWith(`${name}=`));
  return line ? line.split(';').slice(1).map((a) => a.trim().toLowerCase()) : null;
}
