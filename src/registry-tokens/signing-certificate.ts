/**
 * Generation of the token signing key and its self-signed certificate, the
 * trust anchor a registry's `rootcertbundle` holds.
 */
// @peculiar/x509 resolves its ASN.1 services through tsyringe, which needs the Reflect metadata API loaded first.
import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/** A new key pair as PEM: PKCS#8 private key and X.509 certificate. */
export interface GeneratedKeyPair {
  privateKeyPem: string;
  certificatePem: string;
}

export interface CertificateOptions {
  /** Start of validity; backdated by `BACKDATE_MS` against clock skew between gitgate and the registry. */
  now: Date;
  validityDays: number;
  commonName: string;
}

const BACKDATE_MS = 60 * 60 * 1000;
/** The WebCrypto shape @peculiar/x509 takes (the DOM's `Crypto`, which Node's webcrypto implements). */
type WebCrypto = NonNullable<Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1]>;

// ES256: small certificates (the chain travels in every token's x5c header) and fast generation;
// distribution verifies ES256 and RS256 alike.
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/**
 * Generates an ECDSA P-256 key and a self-signed certificate for it, marked
 * as a CA (a trust anchor) allowed to sign, valid from an hour before `now`.
 */
export async function generateSigningKeyPair(options: CertificateOptions): Promise<GeneratedKeyPair> {
  const crypto = webcrypto as unknown as WebCrypto;
  const keys = await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const notBefore = new Date(options.now.getTime() - BACKDATE_MS);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serialNumber(),
      name: [{ CN: [options.commonName] }],
      notBefore,
      notAfter: new Date(options.now.getTime() + options.validityDays * 86_400_000),
      keys,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { privateKeyPem: pem('PRIVATE KEY', pkcs8), certificatePem: certificate.toString('pem') + '\n' };
}

/** 127 random bits: positive and non-zero as RFC 5280 requires, unique per certificate. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString('hex');
}

function pem(label: string, der: Buffer): string {
  const body = der.toString('base64').match(/.{1,64}/g)!.join('\n');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}
