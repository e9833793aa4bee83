import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { coalescingStream } from './coalescing-stream.js';

async function collect(source: Readable, maxBytes?: number): Promise<Buffer[]> {
  const seen: Buffer[] = [];
  await pipeline(
    source,
    coalescingStream(maxBytes),
    new Writable({
      write(chunk: Buffer, _enc, done) {
        seen.push(chunk);
        done();
      },
    }),
  );
  return seen;
}

describe('coalescingStream', () => {
  it('joins chunks that arrive in one turn and keeps every byte in order', async () => {
    const parts = Array.from({ length: 50 }, (_, i) => Buffer.alloc(1000, i));
    const seen = await collect(Readable.from(parts), 64 * 1024);
    expect(Buffer.concat(seen).equals(Buffer.concat(parts))).toBe(true);
    expect(seen.length).toBeLessThan(parts.length);
  });

  it('never holds more than its limit', async () => {
    const parts = Array.from({ length: 20 }, () => Buffer.alloc(1000, 7));
    const seen = await collect(Readable.from(parts), 4096);
    expect(Math.max(...seen.map((c) => c.length))).toBeLessThanOrEqual(4096 + 1000);
    expect(Buffer.concat(seen).length).toBe(20_000);
  });

  it('passes on what arrived without waiting for more', async () => {
    const stream = coalescingStream();
    const got = new Promise<Buffer>((resolve) => stream.once('data', resolve));
    stream.write(Buffer.from('0008NAK\n'));
    expect((await got).toString()).toBe('0008NAK\n');
    stream.end();
  });
});
