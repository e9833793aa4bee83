/**
 * `/-/health`, `/-/liveness`, `/-/readiness` and `/-/metrics` answer only
 * clients in GITGATE_MONITORING_ALLOWLIST (loopback by default), as GitLab's
 * monitoring IP allowlist does; the client address is the one
 * GITGATE_TRUSTED_PROXIES lets X-Forwarded-For name, as everywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../support/gateway.js';

const ENDPOINTS = ['/-/health', '/-/liveness', '/-/readiness', '/-/metrics'];

async function get(gw: Gateway, path: string, forwardedFor?: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${gw.url}${path}`, { headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} });
  return { status: res.status, body: await res.text() };
}

describe('monitoring endpoints', () => {
  describe('with the default allowlist and no proxy', () => {
    let gw: Gateway;
    beforeAll(async () => {
      gw = await startGateway('sqlite');
    });
    afterAll(() => gw?.stop());

    it.each(ENDPOINTS)('answers %s on loopback, whatever X-Forwarded-For claims', async (path) => {
      expect((await get(gw, path)).status).toBe(200);
      expect((await get(gw, path, '203.0.113.9')).status).toBe(200);
    });
  });

  describe('behind a trusted proxy', () => {
    let gw: Gateway;
    beforeAll(async () => {
      gw = await startGateway('sqlite', { env: { GITGATE_TRUSTED_PROXIES: '127.0.0.1' } });
    });
    afterAll(() => gw?.stop());

    it.each(ENDPOINTS)('answers %s for a loopback client and 404s it, as a missing page, for anyone else', async (path) => {
      expect((await get(gw, path, '127.0.0.1')).status).toBe(200);
      const outside = await get(gw, path, '203.0.113.9');
      expect(outside).toEqual(await get(gw, '/-/no-such-page', '203.0.113.9'));
      expect(outside.status).toBe(404);
      expect((await get(gw, path.toUpperCase(), '203.0.113.9')).status).toBe(404);
      expect((await get(gw, `${path}/`, '203.0.113.9')).status).toBe(404);
    });

    it('never shows the metrics outside the allowlist', async () => {
      expect((await get(gw, '/-/metrics', '127.0.0.1')).body).toContain('gitgate_');
      expect((await get(gw, '/-/metrics', '10.1.2.3')).body).not.toContain('gitgate_');
    });
  });

  describe('with a configured allowlist', () => {
    let gw: Gateway;
    beforeAll(async () => {
      gw = await startGateway('sqlite', {
        env: { GITGATE_TRUSTED_PROXIES: '127.0.0.1', GITGATE_MONITORING_ALLOWLIST: '198.51.100.0/24,2001:db8::7' },
      });
    });
    afterAll(() => gw?.stop());

    it.each(ENDPOINTS)('answers %s to the listed networks only, not to loopback any more', async (path) => {
      expect((await get(gw, path, '198.51.100.20')).status).toBe(200);
      expect((await get(gw, path, '2001:db8::7')).status).toBe(200);
      expect((await get(gw, path, '198.51.101.20')).status).toBe(404);
      expect((await get(gw, path)).status).toBe(404);
    });
  });
});
