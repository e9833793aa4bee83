/**
 * A browser as far as the web pages need one: a cookie jar, the form's
 * authenticity token, the same Origin as the pages, every request from one
 * source address, through the balancer (so each may reach another instance).
 */
import { loopbackRequest, type LoopbackAnswer } from '../support/loopback-request.js';

export class WebClient {
  readonly #cookies = new Map<string, string>();

  constructor(
    private readonly base: string,
    private readonly ca: string,
    private readonly from: string,
  ) {}

  async get(path: string): Promise<LoopbackAnswer> {
    return this.#send('GET', path);
  }

  /** Posts `fields` with the authenticity token of the form at `formPath`. */
  async submit(formPath: string, action: string, fields: Record<string, string>): Promise<LoopbackAnswer> {
    const form = await this.get(formPath);
    const token = /name="authenticity_token" value="([^"]+)"/.exec(form.body)?.[1];
    if (!token) throw new Error(`no authenticity token on ${formPath} (${form.status})`);
    return this.#send('POST', action, new URLSearchParams({ authenticity_token: token, ...fields }).toString());
  }

  async #send(method: string, path: string, body?: string): Promise<LoopbackAnswer> {
    const headers: Record<string, string> = { cookie: [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
    if (body !== undefined) Object.assign(headers, { origin: this.base, 'content-type': 'application/x-www-form-urlencoded' });
    const answer = await loopbackRequest(`${this.base}${path}`, { method, headers, body, ca: this.ca, from: this.from });
    for (const line of answer.headers['set-cookie'] ?? []) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      this.#cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return answer;
  }
}
