/**
 * A webhook receiver on loopback for the audit webhook suites: records
 * every request (headers, body) and answers each with the next scripted
 * reply — a status, `hang` (no answer until released) or `reset` (the
 * connection dropped) — then 200 once the script is used up.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Reply = number | 'hang' | 'reset';

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Replies to the next requests, in order. */
  script(...replies: Reply[]): void;
  /** Answers every hanging request with 200. */
  release(): void;
  /** Resolves once `count` requests have arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const replies: Reply[] = [];
  const hanging: http.ServerResponse[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
      for (const w of waiters.filter((w) => received.length >= w.count)) w.resolve();
      const reply = replies.shift() ?? 200;
      if (reply === 'hang') hanging.push(res);
      else if (reply === 'reset') req.socket.destroy();
      else res.writeHead(reply).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    script: (...next) => void replies.push(...next),
    release: () => {
      for (const res of hanging.splice(0)) res.writeHead(200).end();
    },
    waitFor: (count, timeoutMs = 20_000) =>
      new Promise<void>((resolve, reject) => {
        if (received.length >= count) return resolve();
        const timer = setTimeout(() => reject(new Error(`the receiver got ${received.length} requests, not ${count}`)), timeoutMs);
        waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging.splice(0)) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
