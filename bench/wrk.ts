/**
 * HTTP load with wrk (Debian's `wrk`): requests/s and latency percentiles
 * of one URL at a fixed number of keep-alive connections.
 */
import { runChecked } from './run-command.js';

/** One wrk run's result. */
export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface LoadSpec {
  url: string;
  connections: number;
  seconds: number;
  headers: Record<string, string>;
}

/** The wrk command line for `spec`, with header values shown as given. */
export function wrkArgs(spec: LoadSpec): string[] {
  const headers = Object.entries(spec.headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  // One wrk thread: the second core is the servers'.
  return ['-t1', `-c${spec.connections}`, `-d${spec.seconds}s`, '--latency', ...headers, spec.url];
}

/** Runs wrk; throws when any response was not 2xx or a socket error occurred. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const out = await runChecked('wrk', wrkArgs(spec));
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const socketErrors = /Socket errors: (.*)/.exec(out);
  if (non2xx || socketErrors) throw new Error(`wrk saw failures on ${spec.url}:\n${out}`);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!rps) throw new Error(`unexpected wrk output:\n${out}`);
  return { requestsPerSecond: Number(rps[1]), p50Ms: latency(out, '50%'), p99Ms: latency(out, '99%') };
}

function latency(out: string, label: string): number {
  const m = new RegExp(`^\\s+${label}\\s+([\\d.]+)(us|ms|s)\\b`, 'm').exec(out);
  if (!m) throw new Error(`no ${label} latency in wrk output:\n${out}`);
  const value = Number(m[1]);
  return m[2] === 'us' ? value / 1000 : m[2] === 's' ? value * 1000 : value;
}
