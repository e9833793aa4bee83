import { describe, expect, it } from 'vitest';
import { isFreshFetch } from './fetch-request.js';
import { encodePktLine, FLUSH_PKT } from './pkt-line.js';

const WANT = `want ${'a'.repeat(40)}`;
const DELIM = Buffer.from('0001');
const stream = (...parts: Array<string | Buffer>): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? encodePktLine(p) : p)));

describe('isFreshFetch', () => {
  it('accepts a protocol v2 clone request, with or without trailing LFs', () => {
    expect(isFreshFetch(stream('command=fetch', 'agent=git/2.39.5', DELIM, 'thin-pack', 'ofs-delta', `${WANT}\n`, 'done\n', FLUSH_PKT), true)).toBe(true);
    expect(isFreshFetch(stream('command=fetch\n', DELIM, WANT, 'deepen 1', 'done', FLUSH_PKT), true)).toBe(true);
  });

  it('accepts a protocol v0 clone request: wants, a flush, then done', () => {
    expect(isFreshFetch(stream(`${WANT} multi_ack_detailed side-band-64k ofs-delta\n`, `${WANT}\n`, FLUSH_PKT, 'done\n'), false)).toBe(true);
    expect(isFreshFetch(stream(`${WANT}\n`, 'deepen 1\n', FLUSH_PKT, 'done\n'), false)).toBe(true);
  });

  it('refuses requests with haves, in either protocol', () => {
    const have = `have ${'b'.repeat(40)}\n`;
    expect(isFreshFetch(stream('command=fetch', DELIM, WANT, have, 'done', FLUSH_PKT), true)).toBe(false);
    expect(isFreshFetch(stream(`${WANT}\n`, FLUSH_PKT, have, 'done\n'), false)).toBe(false);
  });

  it('refuses negotiation rounds without done (v2) and v0 requests not ending in done (the deepen round)', () => {
    expect(isFreshFetch(stream('command=fetch', DELIM, WANT, FLUSH_PKT), true)).toBe(false);
    expect(isFreshFetch(stream(`${WANT}\n`, 'deepen 1\n', FLUSH_PKT), false)).toBe(false);
  });

  it('refuses other commands, requests without wants, session ids, and the wrong protocol', () => {
    expect(isFreshFetch(stream('command=ls-refs', DELIM, 'peel', FLUSH_PKT), true)).toBe(false);
    expect(isFreshFetch(stream('command=fetch', DELIM, 'done', FLUSH_PKT), true)).toBe(false);
    expect(isFreshFetch(stream('command=fetch', 'session-id=abc', DELIM, WANT, 'done', FLUSH_PKT), true)).toBe(false);
    expect(isFreshFetch(stream(`${WANT}\n`, FLUSH_PKT, 'done\n'), true)).toBe(false);
    expect(isFreshFetch(stream('command=fetch', DELIM, WANT, 'done', FLUSH_PKT), false)).toBe(false);
  });

  // Found by the fuzz suite: a v2 request cut after `done` was still taken for a whole one.
  it('refuses a v2 request without its closing flush', () => {
    expect(isFreshFetch(stream('command=fetch', DELIM, WANT, 'done'), true)).toBe(false);
    expect(isFreshFetch(stream('command=fetch', DELIM, WANT, 'done', FLUSH_PKT, 'done'), true)).toBe(false);
  });

  it('refuses anything that is not whole pkt-lines', () => {
    expect(isFreshFetch(Buffer.alloc(0), true)).toBe(false);
    expect(isFreshFetch(Buffer.from('zzzzcommand=fetch'), true)).toBe(false);
    expect(isFreshFetch(Buffer.concat([stream(`${WANT}\n`, FLUSH_PKT, 'done\n'), Buffer.from('00')]), false)).toBe(false);
    expect(isFreshFetch(Buffer.from('0003'), false)).toBe(false);
    expect(isFreshFetch(Buffer.from('00ffwant'), false)).toBe(false);
  });
});
