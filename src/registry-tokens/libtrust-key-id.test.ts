import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { libtrustKeyId } from './libtrust-key-id.js';

// The RSA key of GitLab's spec/lib/json_web_token/rsa_token_spec.rb and the kid it expects.
const GITLAB_SPEC_PUBLIC_KEY = `-----BEGIN PUBLIC KEY-----
MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAMA5sXIBE0HwgIB40iNidN4PGWzOyLQK
0bsdOBNgpEXkDlZBvnakOUgAPF+rME4PB0Yl415DabUI40T5UNmlwxcCAwEAAQ==
-----END PUBLIC KEY-----`;

describe('libtrustKeyId', () => {
  it("matches GitLab's kid for its test key", () => {
    expect(libtrustKeyId(createPublicKey(GITLAB_SPEC_PUBLIC_KEY))).toBe('OGXY:4TR7:FAVO:WEM2:XXEW:E4FP:TKL7:7ACK:TZAF:D54P:SUIA:P3B2');
  });

  it('is twelve groups of four base32 characters, the same for the private and public half', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const id = libtrustKeyId(privateKey);
    expect(id).toMatch(/^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
    expect(libtrustKeyId(publicKey)).toBe(id);
  });
});
