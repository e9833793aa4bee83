import type { Response } from 'express';

/**
 * Sends `body` as JSON with `Content-Type: application/json` exactly, as
 * GitLab does: python-gitlab 3 compares the header with that string and
 * treats `application/json; charset=utf-8` as not JSON.
 */
export function sendJson(res: Response, status: number, body: unknown): void {
  res.status(status);
  res.setHeader('Content-Type', 'application/json');
  res.send(Buffer.from(JSON.stringify(body ?? null)));
}
