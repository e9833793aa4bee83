/**
 * Compressed request bodies: what the body parsers can decode is accepted;
 * a body that does not decode is the client's mistake (400), an encoding
 * nobody decodes is 415 — on the API as GitLab JSON, on the web forms as the
 * error page — and neither is logged as a server error.
 */
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../support/gateway.js';

const GARBAGE = Buffer.from('this is not compressed at all \u0000\u00ff\u0013 garbage garbage garbage');

/** Log lines at error level or above. */
const errors = (gw: Gateway) => gw.logs.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);

describe('request bodies with a Content-Encoding', () => {
  let gw: Gateway;
  let token: string;

  beforeAll(async () => {
    gw = await startGateway('sqlite');
    const alice = await gw.createUser('alice');
    token = (await gw.createToken(alice, ['api'])).token;
  });
  afterAll(() => gw?.stop());

  const post = async (path: string, encoding: string, body: Buffer, type: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': type, 'content-encoding': encoding, ...headers },
      body,
      redirect: 'manual',
    });
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  };
  const api = (encoding: string, body: Buffer) =>
    post('/api/v4/projects', encoding, body, 'application/json', { 'private-token': token });

  it('decodes gzip and brotli bodies on the API', async () => {
    const json = Buffer.from(JSON.stringify({ name: 'zipped' }));
    expect((await api('gzip', gzipSync(json))).status).toBe(201);
    expect((await api('br', brotliCompressSync(Buffer.from(JSON.stringify({ name: 'brotli' }))))).status).toBe(201);
  });

  it.each([
    ['br', GARBAGE],
    ['gzip', GARBAGE],
    ['deflate', GARBAGE],
    ['gzip', gzipSync(Buffer.from(JSON.stringify({ name: 'cut-short' }))).subarray(0, 15)],
  ])('answers a %s body that does not decode with GitLab’s 400', async (encoding, body) => {
    const before = errors(gw).length;
    const res = await api(encoding, body);
    expect(res.status).toBe(400);
    expect(res.type).toContain('application/json');
    expect(JSON.parse(res.text)).toEqual({ message: '400 Bad request - The request body could not be decoded' });
    expect(errors(gw).slice(before)).toEqual([]);
  });

  it.each(['compress', 'x-unknown', 'gzip, br'])('answers an unsupported encoding (%s) with GitLab’s 415', async (encoding) => {
    const before = errors(gw).length;
    const res = await api(encoding, GARBAGE);
    expect(res.status).toBe(415);
    expect(JSON.parse(res.text)).toEqual({ message: '415 Unsupported Media Type' });
    expect(errors(gw).slice(before)).toEqual([]);
  });

  it.each([
    ['br', GARBAGE, 400],
    ['gzip', GARBAGE, 400],
    ['compress', GARBAGE, 415],
  ])('answers a web form with a %s body that cannot be read with the error page (%#)', async (encoding, body, status) => {
    const before = errors(gw).length;
    const res = await post('/users/sign_in', encoding, body, 'application/x-www-form-urlencoded', { origin: gw.url });
    expect(res.status).toBe(status);
    expect(res.type).toContain('text/html');
    expect(res.text).not.toContain('Something went wrong on our end');
    expect(errors(gw).slice(before)).toEqual([]);
  });
});
