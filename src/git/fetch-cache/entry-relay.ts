/**
 * Sends a kept (or growing) fetch answer to one client, for both git edges
 * (smart HTTP and SSH): through two buffers used in turn, one read into
 * while the transport still sends the other, a buffer read into again only
 * after the transport has sent it. Memory stays at two chunks per client,
 * whatever its pace, and nothing is allocated per chunk. This client's
 * notice (GitGrant.notice, an expiring token's warning) is spliced in as
 * the answer goes out, never into the kept answer.
 */
import { SidebandNoticeSplicer } from '../sideband-notice.js';
import type { EntryReader } from './entry-reader.js';

/**
 * Most bytes per read of the kept answer and per send, unless the target
 * says otherwise: over HTTP 2 MiB cost the gateway 5–45 % less CPU per large
 * clone than 512 KiB (bench/README.md), for 3 MiB more per client reading a
 * large answer.
 */
export const CHUNK_BYTES = 2 * 1024 * 1024;

/** How the answer reaches the client. */
export interface EntryRelayTarget {
  /** Sends `pieces` in order; resolves once the transport is done with their memory, rejects when the exchange stopped. */
  send(pieces: Buffer[]): Promise<void>;
  /** Runs before every send, and once more when the answer ended (headers, idle timers). */
  beforeSend?(): void;
  /** A line for this client's progress output, or null. */
  notice: string | null;
  /** Most bytes per read and per send (default 2 MiB). */
  chunkBytes?: number;
}

/**
 * Copies `reader`'s answer to `target` until it ends; rejects when a read
 * fails (a failed git run: the client must not take a partial answer for a
 * whole one) or a send does.
 */
export async function relayEntry(reader: EntryReader, target: EntryRelayTarget): Promise<void> {
  const most = target.chunkBytes ?? CHUNK_BYTES;
  const size = Math.max(1, Math.min(most, reader.length ?? most));
  const buffers = [Buffer.allocUnsafeSlow(size), Buffer.allocUnsafeSlow(size)] as const;
  const splicer = target.notice ? new SidebandNoticeSplicer(target.notice) : null;
  let sending: Promise<void> = Promise.resolve();
  for (let turn = 0; ; turn ^= 1) {
    const buffer = buffers[turn]!;
    const bytes = await reader.read(buffer);
    await sending;
    target.beforeSend?.();
    const chunk = buffer.subarray(0, bytes);
    const pieces = bytes === 0 ? (splicer?.end() ?? []) : splicer ? splicer.feed(chunk) : [chunk];
    if (pieces.length > 0) {
      sending = target.send(pieces);
      // Handled where it is awaited; this keeps a failure during the next read from going unhandled.
      sending.catch(() => undefined);
    }
    if (bytes === 0) return sending;
  }
}
