/**
 * Fewer, larger chunks for the response. upload-pack relays pack data in
 * sideband packets of at most 8 KiB, one write(2) each, so reading git's
 * stdout yields many small chunks; relayed one by one, each costs an HTTP
 * chunk (header, data, CRLF: four socket writes) and a pass through every
 * stream in between. Measured on 1.3 MB clones, that per-chunk work was most
 * of the gateway's CPU time.
 */
import { Transform, type TransformCallback } from 'node:stream';

/**
 * A pass-through that joins the chunks arriving within one event-loop turn
 * (up to `maxBytes`) into one. It adds no waiting: whatever arrived is passed
 * on at the end of the turn, and everything at the end of the stream.
 */
export function coalescingStream(maxBytes = 64 * 1024): Transform {
  let held: Buffer[] = [];
  let heldBytes = 0;
  let scheduled = false;
  const release = (stream: Transform): void => {
    if (heldBytes === 0) return;
    const joined = held.length === 1 ? held[0]! : Buffer.concat(held, heldBytes);
    held = [];
    heldBytes = 0;
    stream.push(joined);
  };
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      held.push(chunk);
      heldBytes += chunk.length;
      if (heldBytes >= maxBytes) {
        release(this);
      } else if (!scheduled) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          if (!this.destroyed) release(this);
        });
      }
      done();
    },
    flush(done: TransformCallback) {
      release(this);
      done();
    },
  });
}
