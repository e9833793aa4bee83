/**
 * Which upload-pack requests are *fresh fetches*: requests that name what
 * the client wants and nothing it has (a clone, shallow or not, and CI's
 * fetch into an empty repository), and ask for the pack now (`done`).
 *
 * Their answer depends only on the request and the repository's refs and
 * configuration: the objects reachable from an object id never change. An
 * answer to a request with `have` lines would also depend on which objects
 * the repository holds, and is never treated as one.
 */
import { splitPktLines } from './pkt-line.js';

/**
 * True when `request` (the decoded body of an upload-pack POST, protocol v2
 * when `v2`) is one whole fresh fetch: well-formed pkt-lines, wants, no
 * haves, `done` (and in v2 the closing flush), and no session id (which
 * would make every request unique).
 */
export function isFreshFetch(request: Buffer, v2: boolean): boolean {
  const packets = splitPktLines(request);
  if (!packets || packets.length === 0) return false;
  // A text line's trailing LF is optional (gitprotocol-common(5)); git omits it on some.
  const lines = packets.map((p) => (typeof p === 'string' ? p : p.toString('latin1').replace(/\n$/, '')));
  if (lines.some((line) => line.startsWith('have ') || line.includes('session-id='))) return false;
  if (!lines.some((line) => line.startsWith('want ') || line.startsWith('want-ref '))) return false;
  // gitprotocol-v2(5): a command request ends with a flush-pkt.
  if (v2) return lines[0] === 'command=fetch' && lines.includes('done') && packets.at(-1) === 'flush';
  // Protocol v0/v1 in stateless-rpc: wants, shallow lines and deepen/filter, a flush, then "done".
  return lines[0]!.startsWith('want ') && lines[lines.length - 1] === 'done';
}
