/**
 * The token format: `<prefix><32 random base62 chars><6-char CRC32 checksum>`.
 * 32 base62 characters carry ~190 bits from the CSPRNG. The checksum (CRC32
 * of prefix + body, base62) lets a typo'd or forged-looking token be refused
 * without touching cache or store, and lets secret scanners validate matches
 * (the same scheme as GitHub's tokens).
 */
import { crc32 } from 'node:zlib';
import { BASE62_ALPHABET, encodeBase62, randomBase62 } from '../lib/base62.js';
import { hmacHex } from '../lib/secrets.js';

const BODY_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
const CHARS = new RegExp(`^[${BASE62_ALPHABET}]+$`);

/** Generates, validates and digests tokens for one prefix and key. */
export class TokenCodec {
  constructor(
    readonly prefix: string,
    private readonly digestKey: Buffer,
  ) {}

  /** A new random token in plaintext. */
  generate(): string {
    const head = this.prefix + randomBase62(BODY_LENGTH);
    return head + this.checksum(head);
  }

  /** True when `candidate` has this prefix, the right shape and checksum. */
  isWellFormed(candidate: string): boolean {
    if (candidate.length !== this.prefix.length + BODY_LENGTH + CHECKSUM_LENGTH) return false;
    if (!candidate.startsWith(this.prefix)) return false;
    const rest = candidate.slice(this.prefix.length);
    if (!CHARS.test(rest)) return false;
    const head = candidate.slice(0, -CHECKSUM_LENGTH);
    return this.checksum(head) === candidate.slice(-CHECKSUM_LENGTH);
  }

  /** The keyed digest stored in place of the token (hex HMAC-SHA-256). */
  digest(token: string): string {
    return hmacHex(this.digestKey, token);
  }

  private checksum(head: string): string {
    return encodeBase62(crc32(head), CHECKSUM_LENGTH);
  }
}
