/**
 * Bounds of the HTTP listener: a request that is not git's and does not
 * deliver its body in time gets 408 and loses its connection (git keeps its
 * own timeouts); headers must arrive in time, while a kept-alive connection
 * waiting for its next request is not cut by that; connections beyond the
 * cap are closed as they come.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startGateway, type Gateway } from '../support/gateway.js';

/** A raw connection: everything it received, and whether the server closed it. */
interface Raw {
  socket: net.Socket;
  received(): string;
  closed: Promise<void>;
}

function rawConnection(url: string, first = ''): Raw {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  let data = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (data += d));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  if (first) socket.write(first);
  return { socket, received: () => data, closed };
}

/** The status of each response in `text`, in order (a body may end without a newline: no anchor). */
function statuses(text: string): number[] {
  return [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
}

describe('HTTP limits: timeouts', () => {
  let gw: Gateway;

  beforeAll(async () => {
    gw = await startGateway('sqlite', { env: { GITGATE_HTTP_BODY_TIMEOUT_SECONDS: '1', GITGATE_HTTP_HEADERS_TIMEOUT_SECONDS: '1' } });
    const alice = await gw.createUser('alice');
    await gw.seedCommit(await gw.createProject(alice, 'pub', 'public'));
  });
  afterAll(() => gw?.stop());

  it('answers 408 and closes the connection when an API or web request body stalls, but leaves git requests to their own timeouts', async () => {
    const host = new URL(gw.url).host;
    // A git upload whose body stalls as well, sent first: it outlives the others' deadline.
    const gitUpload = rawConnection(
      gw.url,
      `POST /alice/pub.git/git-upload-pack HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/x-git-upload-pack-request\r\nTransfer-Encoding: chunked\r\n\r\n9\r\n0032want \r\n`,
    );
    await vi.waitFor(() => expect(gw.server.operations.active).toBe(1), { timeout: 5000, interval: 20 });
    const stalled = [
      `POST /api/v4/projects HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"name":`,
      `POST /users/sign_in HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nuser%5Blogin%5D=`,
    ].map((request) => rawConnection(gw.url, request));
    // Answered without its body being read: the body still due must not keep the connection.
    const answeredEarly = rawConnection(gw.url, `GET /jwt/auth?service=container_registry HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 1000\r\n\r\nx`);
    await Promise.all([...stalled, answeredEarly].map((c) => c.closed));
    for (const c of stalled) {
      expect(statuses(c.received())).toEqual([408]);
      expect(c.received()).toMatch(/^Connection: close\r$/im);
      expect(c.received()).toMatch(/\r\n\r\nRequest Timeout\n$/);
    }
    expect(statuses(answeredEarly.received())).toHaveLength(1);
    expect(gitUpload.received()).toBe('');
    expect(gitUpload.socket.destroyed).toBe(false);
    gitUpload.socket.destroy();
    await gw.server.operations.idle();
  });

  it('cuts a connection whose headers do not arrive in time, but not a kept-alive one waiting for its next request', async () => {
    const host = new URL(gw.url).host;
    const kept = rawConnection(gw.url, `GET /-/health HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    await vi.waitFor(() => expect(statuses(kept.received())).toEqual([200]), { timeout: 5000, interval: 20 });
    // Opened after the kept-alive connection went idle: when it is cut, that one has been idle longer than the timeout.
    const slow = rawConnection(gw.url, `GET /-/health HTTP/1.1\r\nHost: ${host}\r\n`);
    await slow.closed;
    expect(statuses(slow.received())).toEqual([408]);
    kept.socket.write(`GET /-/health HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    await vi.waitFor(() => expect(statuses(kept.received())).toEqual([200, 200]), { timeout: 5000, interval: 20 });
    kept.socket.destroy();
  });
});

describe('HTTP limits: the connection cap', () => {
  let gw: Gateway;

  beforeAll(async () => {
    gw = await startGateway('sqlite', { env: { GITGATE_HTTP_MAX_CONNECTIONS: '2' } });
  });
  afterAll(() => gw?.stop());

  it('closes connections beyond the cap at once, and takes new ones when others end', async () => {
    const host = new URL(gw.url).host;
    const health = `GET /-/health HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
    const held = [rawConnection(gw.url, health), rawConnection(gw.url, health)];
    await vi.waitFor(() => expect(held.map((c) => statuses(c.received()))).toEqual([[200], [200]]), { timeout: 5000, interval: 20 });
    const extra = rawConnection(gw.url, health);
    await extra.closed;
    expect(extra.received()).toBe('');

    held[0]!.socket.destroy();
    await held[0]!.closed;
    await vi.waitFor(
      async () => {
        const next = rawConnection(gw.url, health);
        try {
          await vi.waitFor(() => expect(statuses(next.received())).toEqual([200]), { timeout: 1000, interval: 20 });
        } finally {
          next.socket.destroy();
        }
      },
      { timeout: 5000, interval: 50 },
    );
    held[1]!.socket.destroy();
  });
});
