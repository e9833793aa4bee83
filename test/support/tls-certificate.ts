/**
 * A self-signed TLS server certificate for 127.0.0.1 and localhost, written
 * to a directory, for servers a test puts in front of the gateway (nginx).
 * Clients trust it by its file: GIT_SSL_CAINFO for git, `ca` for Node.
 */
// @peculiar/x509 resolves its ASN.1 services through tsyringe, which needs the Reflect metadata API loaded first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as x509 from '@peculiar/x509';

/** The files written and the certificate's PEM. */
export interface TlsCertificate {
  certificatePath: string;
  /** Mode 0600. */
  keyPath: string;
  certificatePem: string;
}

type WebCrypto = NonNullable<Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1]>;
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const HOUR = 3_600_000;

/**
 * Generates an ECDSA P-256 key and a certificate for it valid an hour either
 * side of now, for 127.0.0.1, ::1 and localhost, marked as a CA (as
 * `openssl req -x509` marks its certificates) so that clients given the
 * file accept it as its own trust anchor.
 */
export async function writeSelfSignedCertificate(dir: string): Promise<TlsCertificate> {
  const crypto = webcrypto as unknown as WebCrypto;
  const keys = await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: '01',
      name: [{ CN: ['127.0.0.1'] }],
      notBefore: new Date(now - HOUR),
      notAfter: new Date(now + HOUR),
      keys,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([
          { type: 'ip', value: '127.0.0.1' },
          { type: 'ip', value: '::1' },
          { type: 'dns', value: 'localhost' },
        ]),
      ],
    },
    crypto,
  );
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
  const certificatePem = `${certificate.toString('pem')}\n`;
  const certificatePath = path.join(dir, 'tls.crt');
  const keyPath = path.join(dir, 'tls.key');
  fs.writeFileSync(certificatePath, certificatePem);
  fs.writeFileSync(keyPath, keyPem, { mode: 0o600 });
  return { certificatePath, keyPath, certificatePem };
}
