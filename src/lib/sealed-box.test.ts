import { describe, expect, it } from 'vitest';
import { open, seal } from './sealed-box.js';

describe('sealed box', () => {
  const key = Buffer.alloc(32, 1);

  it('opens what it sealed, with a fresh IV each time', () => {
    const a = seal(key, 'glpat-abc');
    expect(open(key, a)).toBe('glpat-abc');
    expect(seal(key, 'glpat-abc')).not.toBe(a);
  });

  it('refuses another key, tampering and garbage', () => {
    const sealed = seal(key, 'secret');
    expect(open(Buffer.alloc(32, 2), sealed)).toBeNull();
    const bytes = Buffer.from(sealed, 'base64url');
    bytes[bytes.length - 1]! ^= 1;
    expect(open(key, bytes.toString('base64url'))).toBeNull();
    expect(open(key, 'short')).toBeNull();
  });
});
