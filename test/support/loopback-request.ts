/**
 * One HTTP(S) request from a chosen loopback source address (127.0.0.2, …),
 * so a test can be several clients to a proxy on 127.0.0.1; https trusts
 * the given certificate. No connection reuse, no redirects followed.
 */
import http from 'node:http';
import https from 'node:https';

/** A response with its body read. */
export interface LoopbackAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface LoopbackRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Local address to connect from (default: the kernel's choice, 127.0.0.1). */
  from?: string;
  /** PEM of the certificate to trust for https. */
  ca?: string;
}

/** Sends the request and resolves with the answer; rejects only when there is none. */
export function loopbackRequest(url: string, options: LoopbackRequest = {}): Promise<LoopbackAnswer> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: false,
        ...(options.from ? { localAddress: options.from } : {}),
        ...(options.ca ? { ca: options.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
