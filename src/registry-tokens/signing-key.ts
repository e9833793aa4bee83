/**
 * A loaded token signing key: the private key, its certificate chain and the
 * header values a registry uses to find the key.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { libtrustKeyId } from './libtrust-key-id.js';

/** JWS algorithms distribution's registry verifies (libtrust's RSA and ECDSA). */
export type SigningAlgorithm = 'RS256' | 'ES256' | 'ES384' | 'ES512';

export interface SigningKey {
  privateKey: KeyObject;
  algorithm: SigningAlgorithm;
  /** libtrust key ID of the public key: the `kid` registry 2.x matches against its rootcertbundle. */
  keyId: string;
  /** The certificate chain, leaf first, as base64 DER: the `x5c` header. */
  chain: string[];
  /** The chain as PEM, for the root certificate bundle. */
  chainPem: string;
  notAfter: Date;
}

/** Key material that cannot be used: mismatched, unsupported or unreadable. */
export class SigningKeyError extends Error {}

const CURVES: Record<string, SigningAlgorithm> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Loads a private key (PKCS#8, SEC1 or PKCS#1 PEM) and its certificate
 * chain (PEM, leaf first). The leaf must certify this very key.
 * @throws SigningKeyError saying what is wrong.
 */
export function loadSigningKey(privateKeyPem: string, certificatePem: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(privateKeyPem);
  } catch {
    throw new SigningKeyError('the private key is not a PEM private key');
  }
  const algorithm = algorithmOf(privateKey);
  const certificates = parseCertificates(certificatePem);
  const leaf = certificates[0];
  if (!leaf) throw new SigningKeyError('the certificate file holds no PEM certificate');
  if (!leaf.checkPrivateKey(privateKey)) throw new SigningKeyError('the certificate does not belong to the private key');
  return {
    privateKey,
    algorithm,
    keyId: libtrustKeyId(privateKey),
    chain: certificates.map((c) => c.raw.toString('base64')),
    chainPem: certificates.map((c) => c.toString().trim()).join('\n') + '\n',
    notAfter: new Date(leaf.validTo),
  };
}

/** The certificates in a PEM text, in order. */
export function parseCertificates(pem: string): X509Certificate[] {
  try {
    return (pem.match(PEM_CERTIFICATE) ?? []).map((block) => new X509Certificate(block));
  } catch {
    throw new SigningKeyError('a certificate cannot be parsed');
  }
}

function algorithmOf(key: KeyObject): SigningAlgorithm {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    if ((details.modulusLength ?? 0) < 2048) throw new SigningKeyError('an RSA signing key must have at least 2048 bits');
    return 'RS256';
  }
  const algorithm = key.asymmetricKeyType === 'ec' ? CURVES[details.namedCurve ?? ''] : undefined;
  if (!algorithm) throw new SigningKeyError('the signing key must be RSA or ECDSA on P-256, P-384 or P-521');
  return algorithm;
}
