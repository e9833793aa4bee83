import 'reflect-metadata';
import { generateKeyPairSync, webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { decodeProtectedHeader, importX509, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { libtrustKeyId } from './libtrust-key-id.js';
import { signRegistryToken, type RegistryTokenClaims } from './registry-token.js';
import { generateSigningKeyPair } from './signing-certificate.js';
import { loadSigningKey, type SigningKey } from './signing-key.js';

const NOW = new Date('2031-02-03T04:05:06.789Z');
const claims: RegistryTokenClaims = {
  issuer: 'gitgate-issuer',
  audience: 'container_registry',
  subject: 'alice',
  access: [{ type: 'repository', name: 'alice/app/web', actions: ['pull', 'push'] }],
  issuedAt: NOW,
  lifetimeSeconds: 300,
};

function parts(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p] = token.split('.');
  return { header: JSON.parse(Buffer.from(h!, 'base64url').toString()), payload: JSON.parse(Buffer.from(p!, 'base64url').toString()) };
}

describe('signRegistryToken', () => {
  let key: SigningKey;
  let certificatePem: string;

  beforeAll(async () => {
    const pair = await generateSigningKeyPair({ now: NOW, validityDays: 3650, commonName: 'test' });
    certificatePem = pair.certificatePem;
    key = loadSigningKey(pair.privateKeyPem, pair.certificatePem);
  });

  it('carries the claims distribution checks, verifiable with the certificate', async () => {
    const token = await signRegistryToken(key, claims);
    const { payload } = await jwtVerify(token, await importX509(certificatePem, 'ES256'), {
      issuer: 'gitgate-issuer',
      audience: 'container_registry',
      currentDate: new Date(NOW.getTime() + 1000),
    });
    const iat = Math.floor(NOW.getTime() / 1000);
    expect(payload).toEqual({
      iss: 'gitgate-issuer',
      sub: 'alice',
      aud: 'container_registry',
      iat,
      nbf: iat,
      exp: iat + 300,
      jti: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      access: [{ type: 'repository', name: 'alice/app/web', actions: ['pull', 'push'] }],
    });
  });

  it('puts aud as a string (registry 2.8 cannot parse an array) and a fresh jti in every token', async () => {
    const [a, b] = await Promise.all([signRegistryToken(key, claims), signRegistryToken(key, claims)]);
    expect(typeof parts(a).payload.aud).toBe('string');
    expect(parts(a).payload.jti).not.toBe(parts(b).payload.jti);
  });

  it('names the key both ways: kid is the libtrust key ID, x5c the certificate (standard base64 DER)', async () => {
    const header = decodeProtectedHeader(await signRegistryToken(key, claims));
    expect(header).toEqual({ alg: 'ES256', typ: 'JWT', kid: key.keyId, x5c: [expect.any(String)] });
    const leaf = new X509Certificate(Buffer.from(header.x5c![0]!, 'base64'));
    expect(leaf.toString()).toBe(new X509Certificate(certificatePem).toString());
    expect(libtrustKeyId(leaf.publicKey)).toBe(header.kid);
  });

  it('leaves sub out of anonymous tokens and keeps an empty access list', async () => {
    const { payload } = parts(await signRegistryToken(key, { ...claims, subject: null, access: [] }));
    expect(payload).not.toHaveProperty('sub');
    expect(payload.access).toEqual([]);
  });
});

describe('loadSigningKey', () => {
  it('signs RS256 with an operator-supplied RSA key and its certificate', async () => {
    const crypto = webcrypto as unknown as NonNullable<Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1]>;
    const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
    const keys = await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
    const cert = await x509.X509CertificateGenerator.createSelfSigned({ name: 'CN=operator', keys, signingAlgorithm: algorithm }, crypto);
    const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
    const key = loadSigningKey(`-----BEGIN PRIVATE KEY-----\n${pkcs8}\n-----END PRIVATE KEY-----\n`, cert.toString('pem'));
    expect(key.algorithm).toBe('RS256');
    const token = await signRegistryToken(key, claims);
    const { payload } = await jwtVerify(token, await importX509(cert.toString('pem'), 'RS256'), { currentDate: NOW });
    expect(payload.sub).toBe('alice');
  });

  it('refuses a certificate of another key, and unreadable files', async () => {
    const a = await generateSigningKeyPair({ now: NOW, validityDays: 1, commonName: 'a' });
    const b = await generateSigningKeyPair({ now: NOW, validityDays: 1, commonName: 'b' });
    expect(() => loadSigningKey(a.privateKeyPem, b.certificatePem)).toThrow(/does not belong to the private key/);
    expect(() => loadSigningKey(a.privateKeyPem, 'no certificate')).toThrow(/no PEM certificate/);
    expect(() => loadSigningKey('junk', a.certificatePem)).toThrow(/not a PEM private key/);
  });

  it('refuses RSA keys under 2048 bits and curves the registry does not know', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    // Checked before the certificate is looked at, so none is needed here.
    expect(() => loadSigningKey(small, '')).toThrow(/at least 2048 bits/);
    expect(() => loadSigningKey(ed, '')).toThrow(/RSA or ECDSA/);
  });
});
