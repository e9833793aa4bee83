import { describe, expect, it } from 'vitest';
import { encodePktLine, FLUSH_PKT, MAX_PKT_PAYLOAD, serviceAdvertisementPreamble, splitPktLines } from './pkt-line.js';

describe('pkt-line', () => {
  it('prefixes the payload with its length including the header, in hex', () => {
    expect(encodePktLine('a\n').toString()).toBe('0006a\n');
    expect(encodePktLine(Buffer.alloc(0)).toString()).toBe('0004');
    expect(encodePktLine('x'.repeat(MAX_PKT_PAYLOAD)).subarray(0, 4).toString()).toBe('fff0');
  });

  it('counts bytes, not characters', () => {
    expect(encodePktLine('é').toString('latin1').slice(0, 4)).toBe('0006');
  });

  it('refuses payloads that do not fit', () => {
    expect(() => encodePktLine('x'.repeat(MAX_PKT_PAYLOAD + 1))).toThrow(RangeError);
  });

  it('builds the smart-HTTP preamble git http-backend sends', () => {
    expect(FLUSH_PKT.toString()).toBe('0000');
    expect(serviceAdvertisementPreamble('git-upload-pack').toString()).toBe('001e# service=git-upload-pack\n0000');
    expect(serviceAdvertisementPreamble('git-receive-pack').toString()).toBe('001f# service=git-receive-pack\n0000');
  });

  it('splits a stream into payloads and special packets', () => {
    const split = splitPktLines(Buffer.from('0009done\n000100020004' + '0000'));
    expect(split?.map((p) => (typeof p === 'string' ? p : p.toString()))).toEqual(['done\n', 'delim', 'response-end', '', 'flush']);
    expect(splitPktLines(Buffer.alloc(0))).toEqual([]);
  });

  // Found by the fuzz suite: lengths git never sends nor reads were split as packets.
  it('splits nothing longer than git allows (65520 bytes, header included)', () => {
    const packet = (length: number): Buffer => Buffer.concat([Buffer.from(length.toString(16)), Buffer.alloc(length - 4, 0x78)]);
    expect(splitPktLines(packet(0xfff0))).toHaveLength(1);
    expect(splitPktLines(packet(0xfff1))).toBeNull();
    expect(splitPktLines(packet(0xffff))).toBeNull();
  });

  it('splits nothing that is not whole pkt-lines', () => {
    for (const bad of ['0003', '000', '0009don', 'ZZZZ', '0006a\n0', '-004']) expect(splitPktLines(Buffer.from(bad))).toBeNull();
  });
});
