import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KeepAliveDrain } from './keep-alive-drain.js';

/** A server whose handler answers only when told: `release()` ends the oldest response waiting. */
async function slowServer(headFirst: boolean): Promise<{ server: http.Server; drain: KeepAliveDrain; port: number; release: () => void; arrived: () => Promise<void> }> {
  const waiting: Array<() => void> = [];
  let arrival: (() => void) | null = null;
  const server = http.createServer((_req, res) => {
    if (headFirst) {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('part;');
    }
    // Written in two pieces, so the answer is chunked whether or not its head went out first.
    waiting.push(() => {
      res.write('more;');
      res.end('done');
    });
    arrival?.();
  });
  server.keepAliveTimeout = 60_000;
  const drain = new KeepAliveDrain(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    drain,
    port: (server.address() as net.AddressInfo).port,
    release: () => waiting.shift()?.(),
    arrived: () => new Promise<void>((resolve) => (arrival = resolve)),
  };
}

/** One kept-alive client connection; `request` resolves with the next whole response's head and body. */
function connection(port: number): { request: () => Promise<string>; send: () => void; closed: Promise<void> } {
  const socket = net.connect(port, '127.0.0.1');
  // Writing to a connection the server closed is what the last test does on purpose.
  socket.on('error', () => undefined);
  let buffered = '';
  let wake: (() => void) | null = null;
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    wake?.();
  });
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  const send = (): void => void socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
  const request = async (): Promise<string> => {
    send();
    while (!buffered.includes('0\r\n\r\n')) await new Promise<void>((resolve) => (wake = resolve));
    const end = buffered.indexOf('0\r\n\r\n') + 5;
    const response = buffered.slice(0, end);
    buffered = buffered.slice(end);
    return response;
  };
  return { request, send, closed };
}

describe('KeepAliveDrain', () => {
  let server: http.Server | null = null;
  afterEach(() => {
    server?.closeAllConnections();
    server?.close();
    server = null;
  });

  /** A kept-alive client with one request the server holds: `answer` once `release`d, after `beforeRelease` ran. */
  async function held(headFirst: boolean) {
    const s = await slowServer(headFirst);
    server = s.server;
    const client = connection(s.port);
    const ask = async (beforeRelease: () => void = () => undefined): Promise<string> => {
      const arrived = s.arrived();
      const answer = client.request();
      await arrived;
      beforeRelease();
      s.release();
      return (await answer).toLowerCase();
    };
    return { s, client, ask };
  }

  it('keeps connections alive until the drain starts', async () => {
    const { ask } = await held(false);
    expect(await ask()).toContain('connection: keep-alive');
  });

  it('closes the connection of a response not yet begun when the drain starts', async () => {
    const { s, client, ask } = await held(false);
    expect(await ask(() => s.drain.start())).toContain('connection: close');
    await client.closed;
  });

  it('closes the connection of a response under way once it is done, so no further request is served on it', async () => {
    const { s, client, ask } = await held(true);
    expect(await ask(() => s.drain.start())).toContain('connection: keep-alive');
    let servedAgain = false;
    s.server.on('request', () => (servedAgain = true));
    client.send();
    await client.closed;
    expect(servedAgain).toBe(false);
  });

  it('answers a request arriving on a kept-alive connection during the drain with Connection: close', async () => {
    const { s, client, ask } = await held(false);
    await ask();
    s.drain.start();
    expect(await ask()).toContain('connection: close');
    await client.closed;
  });
});
