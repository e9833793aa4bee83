import { describe, expect, it } from 'vitest';
import { TokenCodec } from './token-codec.js';

const codec = new TokenCodec('glpat-', Buffer.alloc(32, 7));

describe('TokenCodec', () => {
  it('generates prefixed tokens that validate', () => {
    const token = codec.generate();
    expect(token).toMatch(/^glpat-[0-9A-Za-z]{38}$/);
    expect(codec.isWellFormed(token)).toBe(true);
  });

  it('never repeats and spreads over the alphabet', () => {
    const tokens = new Set(Array.from({ length: 2000 }, () => codec.generate()));
    expect(tokens.size).toBe(2000);
    const chars = new Set([...tokens].join('').slice(0, 60_000));
    expect(chars.size).toBeGreaterThan(62);
  });

  it('rejects any single-character change (checksum)', () => {
    const token = codec.generate();
    for (let i = 6; i < token.length; i++) {
      const c = token[i] === 'A' ? 'B' : 'A';
      expect(codec.isWellFormed(token.slice(0, i) + c + token.slice(i + 1))).toBe(false);
    }
  });

  it('rejects other prefixes, lengths and characters', () => {
    const token = codec.generate();
    expect(codec.isWellFormed(token.replace('glpat-', 'ghpat-'))).toBe(false);
    expect(codec.isWellFormed(token.slice(0, -1))).toBe(false);
    expect(codec.isWellFormed(`${token}0`)).toBe(false);
    expect(codec.isWellFormed(`glpat-${'-'.repeat(38)}`)).toBe(false);
    expect(codec.isWellFormed('')).toBe(false);
  });

  it('digests with the key: same token same digest, other key other digest', () => {
    const token = codec.generate();
    expect(codec.digest(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(codec.digest(token)).toBe(codec.digest(token));
    expect(new TokenCodec('glpat-', Buffer.alloc(32, 8)).digest(token)).not.toBe(codec.digest(token));
  });
});
