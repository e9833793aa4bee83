import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MalformedPktLineError, PktLineReader } from './pkt-line-reader.js';

const WANT = '0032want 0123456789012345678901234567890123456789\n';

describe('PktLineReader', () => {
  it('returns packets as they complete, across and within chunks, with their raw bytes', async () => {
    const stream = new PassThrough();
    const reader = new PktLineReader(stream);
    stream.write(WANT.slice(0, 10));
    const first = reader.next();
    stream.write(`${WANT.slice(10)}0000000`);
    const got = await first;
    expect(got?.raw.toString()).toBe(WANT);
    expect(Buffer.isBuffer(got?.packet) && got.packet.toString()).toBe(WANT.slice(4));
    expect((await reader.next())?.packet).toBe('flush');
    expect(reader.leftover.toString()).toBe('000');
    stream.end('9done\n0001');
    expect((await reader.next())?.raw.toString()).toBe('0009done\n');
    expect((await reader.next())?.packet).toBe('delim');
    expect(await reader.next()).toBeNull();
    expect(reader.ended).toBe(true);
  });

  it('keeps a partial packet in leftover when the stream ends', async () => {
    const stream = new PassThrough();
    const reader = new PktLineReader(stream);
    stream.end('0032want');
    expect(await reader.next()).toBeNull();
    expect(reader.leftover.toString()).toBe('0032want');
  });

  it('rejects bad length headers and leaves the bytes unread', async () => {
    for (const bad of ['0003', 'zzzz', 'fff1']) {
      const stream = new PassThrough();
      const reader = new PktLineReader(stream);
      stream.end(`${bad}rest`);
      await expect(reader.next()).rejects.toBeInstanceOf(MalformedPktLineError);
      expect(reader.leftover.toString()).toBe(`${bad}rest`);
    }
  });

  it('gives up waiting when its stop signal fires', async () => {
    const stream = new PassThrough();
    const stop = new AbortController();
    const reader = new PktLineReader(stream, stop.signal);
    const pending = reader.next();
    stop.abort();
    expect(await pending).toBeNull();
    expect(reader.ended).toBe(false);
  });
});
