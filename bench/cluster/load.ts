/**
 * Small load generators for the cluster bench, in Node so that the bench
 * needs nothing beyond the cluster suite's tools: HTTP requests at a fixed
 * concurrency over keep-alive connections, and git commands run by a fixed
 * number of workers for a fixed time.
 */
import http from 'node:http';
import https from 'node:https';
import { git } from '../../test/support/git-cli.js';

/** Requests per second and failures of one load run. */
export interface LoadResult {
  perSecond: number;
  count: number;
  failures: number;
}

/** GETs `url` with `headers` from `connections` keep-alive connections for `seconds`. */
export async function httpLoad(url: string, options: { headers: Record<string, string>; connections: number; seconds: number; ca?: string }): Promise<LoadResult> {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: options.connections, ca: options.ca })
    : new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const get = (): Promise<boolean> =>
    new Promise((resolve) => {
      const req = (secure ? https : http).get(target, { agent, headers: options.headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
        res.on('error', () => resolve(false));
      });
      req.on('error', () => resolve(false));
    });
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  let count = 0;
  let failures = 0;
  await Promise.all(
    Array.from({ length: options.connections }, async () => {
      while (performance.now() < deadline) {
        if (await get()) count += 1;
        else failures += 1;
      }
    }),
  );
  agent.destroy();
  return { perSecond: count / ((performance.now() - started) / 1000), count, failures };
}

/** Runs `args(i)` (git, in `env`) from `workers` workers for `seconds`; `i` counts every run. */
export async function gitLoad(args: (i: number) => string[], options: { workers: number; seconds: number; env?: Record<string, string>; after?: (i: number) => void }): Promise<LoadResult> {
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  let next = 0;
  let count = 0;
  let failures = 0;
  await Promise.all(
    Array.from({ length: options.workers }, async () => {
      while (performance.now() < deadline) {
        const i = next++;
        const result = await git(args(i), { env: options.env });
        if (result.code === 0) count += 1;
        else failures += 1;
        options.after?.(i);
      }
    }),
  );
  return { perSecond: count / ((performance.now() - started) / 1000), count, failures };
}
