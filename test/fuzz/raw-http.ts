/**
 * A byte-level HTTP/1.1 client for the fuzz suite: it writes exactly the
 * bytes it is given (node's http client refuses the malformed headers and
 * paths the suite wants to send), one request per connection, and reads the
 * answer until the server closes.
 */
import net from 'node:net';

/** What came back: the final status (null when the server closed without answering) and the raw answer. */
export interface RawAnswer {
  status: number | null;
  head: string;
  body: Buffer;
}

/** A request to serialize; header names and values are sent as their UTF-8 bytes, unchecked. */
export interface RawRequest {
  method?: string;
  target: string;
  headers?: readonly (readonly [string, string])[];
  body?: Buffer;
}

/**
 * The bytes of `request`, framed so the server can always tell where it ends:
 * `Connection: close` and the body's `Content-Length` come first, and no
 * fuzzed header can end the header block early (blank lines are taken out).
 */
export function serialize(request: RawRequest): Buffer {
  const body = request.body ?? Buffer.alloc(0);
  let head = [
    `${request.method ?? 'GET'} ${request.target} HTTP/1.1`,
    'Host: gitgate.test',
    'Connection: close',
    `Content-Length: ${body.length}`,
    ...(request.headers ?? []).map(([name, value]) => `${name}: ${value}`),
  ].join('\r\n');
  while (/\r?\n\r?\n/.test(head)) head = head.replace(/\r?\n\r?\n/g, '\r\n');
  return Buffer.concat([Buffer.from(`${head.replace(/[\r\n]+$/, '')}\r\n\r\n`, 'utf8'), body]);
}

/** Sends `bytes` to `port` on loopback and reads the whole answer. */
export function sendRaw(port: number, bytes: Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.on('data', (chunk) => chunks.push(chunk));
    // The server may close while the client still writes (an early 400): that is an answer too.
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? undefined : reject(err)));
    socket.on('close', () => resolve(parseAnswer(Buffer.concat(chunks))));
    socket.write(bytes);
  });
}

/** Serializes and sends `request`. */
export function send(port: number, request: RawRequest): Promise<RawAnswer> {
  return sendRaw(port, serialize(request));
}

function parseAnswer(raw: Buffer): RawAnswer {
  let rest = raw;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    const head = rest.subarray(0, end === -1 ? rest.length : end).toString('latin1');
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(head);
    if (!match) return { status: null, head, body: Buffer.alloc(0) };
    const status = Number(match[1]);
    // Interim answers (100 Continue) come before the final one.
    if (status >= 200 || end === -1) return { status, head, body: end === -1 ? Buffer.alloc(0) : rest.subarray(end + 4) };
    rest = rest.subarray(end + 4);
  }
}

/** `text` with every byte outside unreserved characters percent-encoded (as its UTF-8). */
export function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}
