import { describe, expect, it } from 'vitest';
import { encodePktLine, FLUSH_PKT, MAX_PKT_PAYLOAD, serviceAdvertisementPreamble } from './pkt-line.js';

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
});
