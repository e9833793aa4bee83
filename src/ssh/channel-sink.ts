/**
 * A pipeline end that writes into an SSH channel (its data or its stderr)
 * and never hangs on a channel that went away.
 */
import { Writable } from 'node:stream';
import type { ServerChannel } from 'ssh2';

/**
 * Wraps `target` (`channel` or `channel.stderr`) as the last stage of a
 * `stream.pipeline`. Each write completes only once ssh2 has handed the
 * bytes to the connection (SSH window backpressure), so when the pipeline
 * resolves everything was sent and an exit status may follow. Once the
 * channel closes, pending and later writes are discarded instead of waiting
 * for a window that will never open; so they are after `abandon` fires (a
 * client that stopped reading during shutdown). Ending the sink does not end
 * the channel: the exit status must come first.
 */
export function channelSink(channel: ServerChannel, target: Writable, abandon?: AbortSignal): Writable {
  let closed = false;
  let pending: (() => void) | null = null;
  const release = (): void => {
    closed = true;
    const done = pending;
    pending = null;
    done?.();
  };
  channel.once('close', release);
  target.on('error', release);
  abandon?.addEventListener('abort', release, { once: true });
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      if (closed || target.destroyed || target.writableEnded) return done();
      pending = () => done();
      target.write(chunk, () => {
        if (pending === null) return;
        pending = null;
        done();
      });
    },
    destroy(err, done) {
      channel.off('close', release);
      target.off('error', release);
      abandon?.removeEventListener('abort', release);
      done(err);
    },
  });
}
