/**
 * OpenSSH public keys (`authorized_keys` lines, RFC 4253 §6.6 / RFC 5656 /
 * RFC 8709 wire blobs): parsing, policy and SHA-256 fingerprints, with
 * node:crypto checking that the key material is a real key.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { ValidationError } from '../lib/errors.js';

/** The key types gitgate accepts: those its SSH server can verify signatures for. */
export const ACCEPTED_KEY_TYPES = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'ssh-rsa',
] as const;

export type PublicKeyType = (typeof ACCEPTED_KEY_TYPES)[number];

/** Smallest RSA modulus accepted (GitLab's recommended restriction; NIST since 2013). */
export const MIN_RSA_BITS = 2048;
const MAX_RSA_BITS = 16384;
/** GitLab's limit on the key column. */
const MAX_KEY_TEXT = 5000;

/** A parsed, policy-checked public key. */
export interface PublicKey {
  type: PublicKeyType;
  /** The wire-format key blob (what a client sends during publickey authentication). */
  blob: Buffer;
  /** Size in bits (RSA modulus, ECDSA curve, 256 for Ed25519). */
  bits: number;
  fingerprint: string;
  comment: string;
  /** `type base64 [comment]`, whitespace normalized. */
  text: string;
}

const EC_CURVES: Record<string, { name: string; crv: string; coordinate: number; bits: number }> = {
  'ecdsa-sha2-nistp256': { name: 'nistp256', crv: 'P-256', coordinate: 32, bits: 256 },
  'ecdsa-sha2-nistp384': { name: 'nistp384', crv: 'P-384', coordinate: 48, bits: 384 },
  'ecdsa-sha2-nistp521': { name: 'nistp521', crv: 'P-521', coordinate: 66, bits: 521 },
};

const FORBIDDEN_TYPE = 'type is forbidden. Must be RSA, ECDSA, or ED25519';
const KNOWN_TYPES = /^(ssh-(rsa|dss|ed25519|ed448)|ecdsa-sha2-nistp(256|384|521)|sk-[a-z0-9.@-]+|[a-z0-9-]+-cert-v01@openssh\.com)$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** `SHA256:…` as `ssh-keygen -lf` prints it. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Parses one OpenSSH public key line and applies gitgate's policy.
 * Throws ValidationError on field `key` with GitLab's wording: `is invalid`,
 * `type is forbidden…` (DSA, security keys, certificates, unknown types) or
 * `must be at least 2048 bits` (RSA).
 *
 * @example parsePublicKey('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI… alice@laptop').fingerprint // 'SHA256:…'
 */
export function parsePublicKey(input: string): PublicKey {
  // GitLab's Key#key=: drop line breaks (a wrapped paste), then trim.
  const text = input.replace(/[\r\n]/g, '').trim();
  if (text.length === 0 || text.length > MAX_KEY_TEXT) throw invalid();
  const [type = '', data = '', ...rest] = text.split(/[ \t]+/);
  if (!isAccepted(type)) throw new ValidationError('key', KNOWN_TYPES.test(type) ? FORBIDDEN_TYPE : 'is invalid');
  if (!BASE64.test(data)) throw invalid();
  const blob = Buffer.from(data, 'base64');
  const bits = checkBlob(type, blob);
  const comment = rest.join(' ');
  return {
    type,
    blob,
    bits,
    fingerprint: fingerprintOf(blob),
    comment,
    text: comment ? `${type} ${data} ${comment}` : `${type} ${data}`,
  };
}

function isAccepted(type: string): type is PublicKeyType {
  return (ACCEPTED_KEY_TYPES as readonly string[]).includes(type);
}

function invalid(): ValidationError {
  return new ValidationError('key', 'is invalid');
}

/** Reads the blob's fields, checks them with node:crypto, and returns the key size. */
function checkBlob(type: PublicKeyType, blob: Buffer): number {
  const reader = new WireReader(blob);
  if (reader.string().toString('latin1') !== type) throw invalid();
  let bits: number;
  if (type === 'ssh-ed25519') {
    const x = reader.string();
    if (x.length !== 32) throw invalid();
    importJwk({ kty: 'OKP', crv: 'Ed25519', x: x.toString('base64url') });
    bits = 256;
  } else if (type === 'ssh-rsa') {
    const e = unsigned(reader.string());
    const n = unsigned(reader.string());
    if (e.length === 0 || n.length === 0) throw invalid();
    bits = (n.length - 1) * 8 + (32 - Math.clz32(n[0]!));
    if (bits > MAX_RSA_BITS) throw invalid();
    importJwk({ kty: 'RSA', n: n.toString('base64url'), e: e.toString('base64url') });
    if (bits < MIN_RSA_BITS) throw new ValidationError('key', `must be at least ${MIN_RSA_BITS} bits`);
  } else {
    const curve = EC_CURVES[type]!;
    if (reader.string().toString('latin1') !== curve.name) throw invalid();
    const q = reader.string();
    const c = curve.coordinate;
    if (q.length !== 1 + 2 * c || q[0] !== 0x04) throw invalid();
    importJwk({
      kty: 'EC',
      crv: curve.crv,
      x: q.subarray(1, 1 + c).toString('base64url'),
      y: q.subarray(1 + c).toString('base64url'),
    });
    bits = curve.bits;
  }
  if (!reader.done()) throw invalid();
  return bits;
}

/** Imports the key, which refuses points off the curve and malformed moduli. */
function importJwk(jwk: Record<string, string>): void {
  try {
    createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    throw invalid();
  }
}

/** An mpint's magnitude without the sign byte; negative values are invalid. */
function unsigned(mpint: Buffer): Buffer {
  if (mpint.length > 0 && (mpint[0]! & 0x80) !== 0) throw invalid();
  let start = 0;
  while (start < mpint.length && mpint[start] === 0) start++;
  return mpint.subarray(start);
}

/** Reads RFC 4251 `string`s (uint32 length + bytes) from a blob. */
class WireReader {
  #offset = 0;

  constructor(private readonly buffer: Buffer) {}

  string(): Buffer {
    if (this.#offset + 4 > this.buffer.length) throw invalid();
    const length = this.buffer.readUInt32BE(this.#offset);
    const start = this.#offset + 4;
    if (length > this.buffer.length - start) throw invalid();
    this.#offset = start + length;
    return this.buffer.subarray(start, this.#offset);
  }

  done(): boolean {
    return this.#offset === this.buffer.length;
  }
}
