/**
 * sendfile(2) into a connection through the native module @gitgate/sendfile,
 * over real loopback TCP: whole ranges reach a slow reader in order with what
 * Node writes around them, the caller's descriptor may close at once, and
 * every way a transfer stops (abort, the peer gone, a short file) rejects
 * with its errno and leaves no descriptor, and so no connection, behind.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFileToSocket, socketDescriptor, type FileToSocket } from '../../src/http/file-to-socket.js';
import { missingTools } from '../support/required-tools.js';

const loaded = loadFileToSocket();
const built = loaded !== null || (process.platform === 'linux' && missingTools('the sendfile tests', 'the native module @gitgate/sendfile', 'g++ make python3 (then npm ci)'));

/** Both ends of one loopback TCP connection. */
interface Connection {
  server: net.Socket;
  client: net.Socket;
}

describe.runIf(built)('sendfile(2) into a connection', () => {
  const sender = loaded as FileToSocket;
  let dir: string;
  let file: string;
  let content: Buffer;
  let listener: net.Server;
  const accepted: net.Socket[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitgate-sendfile-'));
    file = path.join(dir, 'answer');
    content = randomBytes(24 * 1024 * 1024);
    fs.writeFileSync(file, content);
    listener = net.createServer((socket) => accepted.push(socket));
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
  });

  afterAll(async () => {
    listener.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function connect(): Promise<Connection> {
    const client = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1');
    client.on('error', () => undefined);
    await once(client, 'connect');
    while (accepted.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const server = accepted.shift()!;
    server.on('error', () => undefined);
    return { server, client };
  }

  /** Everything the client receives until the connection ends, read slowly when `slow`. */
  function received(client: net.Socket, slow = false): Promise<Buffer> {
    const chunks: Buffer[] = [];
    client.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (slow && chunks.length % 8 === 0) {
        client.pause();
        setTimeout(() => client.resume(), 2);
      }
    });
    return new Promise((resolve) => client.once('close', () => resolve(Buffer.concat(chunks))));
  }

  function openFile(): number {
    return fs.openSync(file, 'r');
  }

  function openDescriptors(): number {
    return fs.readdirSync('/proc/self/fd').length;
  }

  function written(socket: net.Socket, data: string): Promise<void> {
    return new Promise((resolve, reject) => socket.write(data, (err) => (err ? reject(err) : resolve())));
  }

  it('sends a range larger than the socket buffers to a slow reader, byte for byte, between what Node writes', async () => {
    const { server, client } = await connect();
    const got = received(client, true);
    const fd = openFile();
    try {
      await written(server, 'head|');
      await sender.send(server, fd, 1000, content.length - 2000, new AbortController().signal);
      server.end('|tail');
    } finally {
      fs.closeSync(fd);
    }
    expect((await got).equals(Buffer.concat([Buffer.from('head|'), content.subarray(1000, content.length - 1000), Buffer.from('|tail')]))).toBe(true);
  });

  it('keeps sending after the caller closed its descriptor', async () => {
    const { server, client } = await connect();
    const got = received(client);
    const fd = openFile();
    const sending = sender.send(server, fd, 0, 4 * 1024 * 1024, new AbortController().signal);
    fs.closeSync(fd);
    await sending;
    server.end();
    expect((await got).equals(content.subarray(0, 4 * 1024 * 1024))).toBe(true);
  });

  it('rejects with ECANCELED when aborted, and the connection closes once Node destroys its socket', async () => {
    const before = openDescriptors();
    const { server, client } = await connect();
    client.pause();
    const aborting = new AbortController();
    const fd = openFile();
    const sending = sender.send(server, fd, 0, content.length, aborting.signal);
    fs.closeSync(fd);
    await new Promise((resolve) => setTimeout(resolve, 100));
    aborting.abort();
    await expect(sending).rejects.toMatchObject({ code: 'ECANCELED' });
    // The module's duplicate of the descriptor is closed by now: destroying Node's socket ends the connection.
    const closed = once(client, 'close');
    client.resume();
    server.destroy();
    await closed;
    expect(openDescriptors()).toBeLessThanOrEqual(before);
  });

  it('rejects with EPIPE or ECONNRESET when the peer goes away in the middle', async () => {
    const before = openDescriptors();
    const { server, client } = await connect();
    client.once('data', () => client.resetAndDestroy());
    const fd = openFile();
    const sending = sender.send(server, fd, 0, content.length, new AbortController().signal);
    fs.closeSync(fd);
    const err = (await sending.catch((e: unknown) => e)) as NodeJS.ErrnoException;
    expect(['EPIPE', 'ECONNRESET']).toContain(err.code);
    const closed = server.closed ? null : once(server, 'close');
    server.destroy();
    await closed;
    expect(openDescriptors()).toBeLessThanOrEqual(before);
  });

  it('rejects with ENODATA when the file ends before the range does, after sending what there was', async () => {
    const { server, client } = await connect();
    const got = received(client);
    const fd = openFile();
    try {
      await expect(sender.send(server, fd, content.length - 10, 20, new AbortController().signal)).rejects.toMatchObject({ code: 'ENODATA' });
    } finally {
      fs.closeSync(fd);
    }
    server.end();
    expect((await got).equals(content.subarray(content.length - 10))).toBe(true);
  });

  it('refuses an aborted signal, and a socket without a descriptor of its own, before sending anything', async () => {
    const { server, client } = await connect();
    const fd = openFile();
    try {
      const aborted = AbortSignal.abort();
      await expect(sender.send(server, fd, 0, 10, aborted)).rejects.toMatchObject({ code: 'ECANCELED' });
      await expect(sender.send(new net.Socket(), fd, 0, 10, new AbortController().signal)).rejects.toThrow(/descriptor/);
    } finally {
      fs.closeSync(fd);
      server.destroy();
      client.destroy();
    }
    expect(socketDescriptor(new tls.TLSSocket(new net.Socket()))).toBeNull();
  });

  it('takes only integers for descriptors and range, and only its own transfers to cancel', () => {
    const binding = createRequire(import.meta.url)('@gitgate/sendfile') as {
      start(...args: unknown[]): object;
      cancel(transfer: unknown): void;
    };
    const done = (): void => undefined;
    expect(() => binding.start(-1, 0, 0, 1, done)).toThrow(TypeError);
    expect(() => binding.start(0, 0, 1.5, 1, done)).toThrow(TypeError);
    expect(() => binding.start(0, 0, 0, 0, done)).toThrow(TypeError);
    expect(() => binding.start('0', 0, 0, 1, done)).toThrow(TypeError);
    expect(() => binding.start(0, 0, 0, 1)).toThrow(TypeError);
    expect(() => binding.cancel({})).toThrow(TypeError);
    expect(() => binding.cancel(undefined)).toThrow(TypeError);
  });
});
