import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { forgivingSink } from './forgiving-sink.js';

describe('forgivingSink', () => {
  it('passes data through with backpressure and ends the target', async () => {
    const seen: string[] = [];
    const target = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _enc, done) {
        seen.push(chunk.toString());
        setImmediate(done);
      },
    });
    await pipeline(Readable.from(['a', 'b', 'c']), forgivingSink(target));
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(target.writableFinished).toBe(true);
  });

  it('discards data once the target failed, without failing the pipeline', async () => {
    const target = new PassThrough();
    target.resume();
    const source = new PassThrough();
    const done = pipeline(source, forgivingSink(target));
    source.write('before');
    target.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    source.write('after');
    source.end('end');
    await expect(done).resolves.toBeUndefined();
    expect(source.destroyed).toBe(true);
  });

  it('releases a write that waits for drain when the target closes', async () => {
    const target = new Writable({ highWaterMark: 1, write: () => undefined });
    const source = new PassThrough();
    const done = pipeline(source, forgivingSink(target));
    source.write('stuck');
    source.write('more');
    setImmediate(() => target.destroy());
    source.end();
    await expect(done).resolves.toBeUndefined();
  });
});
