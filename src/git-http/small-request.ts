/**
 * A protocol v2 upload-pack POST read whole before git runs, when it is
 * small: such a request is a single command (`ls-refs`, or a `fetch` of a
 * few wants and haves), and an `ls-refs` may be answered from the
 * GitAnswerCache without running git at all.
 */
import { gunzipSync } from 'node:zlib';
import type { Request } from 'express';
import getRawBody from 'raw-body';

/** Largest body read whole (git's own requests of this kind are a few hundred bytes). */
export const SMALL_REQUEST_BYTES = 64 * 1024;

/** A small request body: as sent (for git's stdin), and as git reads it. */
export interface SmallRequest {
  /** The bytes as received, still gzip-encoded when the request was. */
  raw: Buffer;
  /** The decoded body, or null when it does not decode within the limit (git will say why). */
  decoded: Buffer | null;
}

/**
 * True when the request announces a body of at most SMALL_REQUEST_BYTES;
 * chunked bodies (git's large requests) are streamed as they come.
 */
export function isSmallRequest(req: Request): boolean {
  const length = req.get('content-length');
  return length !== undefined && /^\d{1,6}$/.test(length) && Number(length) <= SMALL_REQUEST_BYTES;
}

/**
 * Reads the whole body of a request that isSmallRequest: the body,
 * `'timeout'` when it had not all arrived after `timeoutMs`, or `'gone'`
 * when the client went away.
 */
export async function readSmallRequest(req: Request, gzip: boolean, timeoutMs: number): Promise<SmallRequest | 'timeout' | 'gone'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const body = getRawBody(req, { length: req.get('content-length'), limit: SMALL_REQUEST_BYTES });
  // Settles after a timeout too, when the request is torn down.
  body.catch(() => undefined);
  try {
    const raw = await Promise.race([body, timeout]);
    if (raw === 'timeout') return raw;
    return { raw, decoded: gzip ? gunzipOrNull(raw) : raw };
  } catch {
    return 'gone';
  } finally {
    clearTimeout(timer);
  }
}

function gunzipOrNull(raw: Buffer): Buffer | null {
  try {
    return gunzipSync(raw, { maxOutputLength: SMALL_REQUEST_BYTES });
  } catch {
    return null;
  }
}
