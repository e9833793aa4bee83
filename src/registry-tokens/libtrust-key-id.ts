/**
 * The key ID distribution's registry gives each trusted public key: its
 * libtrust fingerprint. Registry 2.x looks a token's `kid` header up by it.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * libtrust's key ID of `key` (public, or private whose public half is used):
 * SHA-256 of the DER SubjectPublicKeyInfo, first 240 bits, base32, in
 * colon-separated groups of four — as `libtrust.PublicKey.KeyID()` and
 * GitLab's `JSONWebToken::RSAToken#kid` compute it.
 *
 * @example libtrustKeyId(publicKey) // 'OGXY:4TR7:FAVO:WEM2:XXEW:E4FP:TKL7:7ACK:TZAF:D54P:SUIA:P3B2'
 */
export function libtrustKeyId(key: KeyObject): string {
  const publicKey = key.type === 'public' ? key : createPublicKey(key);
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const digest = createHash('sha256').update(spki).digest().subarray(0, 30);
  return base32(digest).match(/.{4}/g)!.join(':');
}

/** RFC 4648 base32 without padding (240 bits encode to exactly 48 characters). */
function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32[(buffer >> bits) & 31];
    }
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}
