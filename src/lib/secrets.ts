/** Server secret handling: one root secret, purpose-bound subkeys. */
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** There is no secret file, and the caller may not generate one (the CLI). */
export class MissingSecretError extends Error {
  override readonly name = 'MissingSecretError';

  constructor(readonly file: string) {
    super(`there is no server secret at ${file}`);
  }
}

/**
 * Returns `configured` when set; otherwise the secret stored in
 * `<dataDir>/secret`, generating it (256 random bits, mode 0600) on first
 * use — unless `create` is false: then a missing file is a MissingSecretError.
 */
export function loadOrCreateSecret(dataDir: string, configured: string | null, create = true): string {
  if (configured) return configured;
  const file = path.join(dataDir, 'secret');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (!create) throw new MissingSecretError(file);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('base64url');
  try {
    fs.writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (err) {
    // Another process (a second instance, the CLI) created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return fs.readFileSync(file, 'utf8').trim();
    throw err;
  }
}

/** A 32-byte key for one purpose, derived from the root secret with HKDF. */
export function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'gitgate', purpose, 32));
}

/** Hex HMAC-SHA-256 of `value` under `key`. */
export function hmacHex(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value).digest('hex');
}

/** Constant-time equality of two strings (false when lengths differ). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
