/**
 * A pipeline end that keeps accepting data after its target went away.
 */
import { Writable } from 'node:stream';

/**
 * Wraps `target` (git's stdin, or the HTTP response) as the last stage of a
 * `stream.pipeline`: writes honour the target's backpressure; once the target
 * is destroyed or failed (EPIPE, ECONNRESET), further data is discarded
 * instead of failing the pipeline. A failed pipeline destroys every stage —
 * the request (and with it the socket an answer must travel on) on one side,
 * git's stdout (so git dies of SIGPIPE before cleaning up) on the other.
 * Ending the sink ends the target and waits until it finished or closed.
 */
export function forgivingSink(target: Writable): Writable {
  let broken = false;
  target.on('error', () => {
    broken = true;
  });
  const gone = (): boolean => broken || target.destroyed || target.writableEnded;
  const whenTarget = (events: Array<'drain' | 'close'>, done: () => void): (() => void) => {
    const fire = (): void => {
      for (const e of events) target.off(e, fire);
      done();
    };
    for (const e of events) target.on(e, fire);
    return fire;
  };
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      if (gone() || target.write(chunk)) return done();
      whenTarget(['drain', 'close'], () => done());
    },
    final(done) {
      if (gone()) return done();
      let called = false;
      const fire = whenTarget(['close'], () => {
        if (!called) done();
        called = true;
      });
      target.end(fire);
    },
  });
}
