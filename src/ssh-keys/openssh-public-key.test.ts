import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import { wellFormed } from '../ssh/host-keys.js';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../lib/errors.js';
import { parsePublicKey } from './openssh-public-key.js';

/** What `ssh-keygen -lf` prints as the fingerprint of `publicKey`. */
function sshKeygenFingerprint(publicKey: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gitgate-fp-')), 'key.pub');
  fs.writeFileSync(file, `${publicKey}\n`);
  return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', file], { encoding: 'utf8' }).split(' ')[1]!;
}

const reason = (input: string): string => {
  try {
    parsePublicKey(input);
    return 'accepted';
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field).toBe('key');
    return (err as ValidationError).message;
  }
};

describe('parsePublicKey', () => {
  it.each([
    ['ed25519', {}, 256],
    ['ecdsa', { bits: 256 }, 256],
    ['ecdsa', { bits: 384 }, 384],
    ['ecdsa', { bits: 521 }, 521],
    ['rsa', { bits: 2048 }, 2048],
    ['rsa', { bits: 4096 }, 4096],
  ] as const)('accepts %s %j with the blob ssh2 sees and the fingerprint ssh-keygen prints', (type, opts, bits) => {
    const { public: text } = wellFormed(() => ssh2.utils.generateKeyPairSync(type as 'rsa', { ...(opts as { bits: number }), comment: 'me@host' }));
    const parsed = parsePublicKey(text);
    const theirs = ssh2.utils.parseKey(text);
    if (theirs instanceof Error) throw theirs;
    expect(parsed.blob.equals(theirs.getPublicSSH())).toBe(true);
    expect(parsed.type).toBe(theirs.type);
    expect(parsed.bits).toBe(bits);
    expect(parsed.comment).toBe('me@host');
    expect(parsed.fingerprint).toBe(sshKeygenFingerprint(text));
  });

  it('normalizes a wrapped paste and whitespace', () => {
    const { public: text } = wellFormed(() => ssh2.utils.generateKeyPairSync('ed25519'));
    const [type, data] = text.split(' ') as [string, string];
    const parsed = parsePublicKey(`  ${type}\t${data.slice(0, 30)}\r\n${data.slice(30)}   my   laptop \n`);
    expect(parsed.text).toBe(`${type} ${data} my laptop`);
  });

  it('refuses weak, unsupported and malformed keys with GitLab wording', () => {
    const { public: rsa1024 } = ssh2.utils.generateKeyPairSync('rsa', { bits: 1024 });
    const { public: ed } = wellFormed(() => ssh2.utils.generateKeyPairSync('ed25519'));
    const [, edData] = ed.split(' ') as [string, string];
    expect(reason(rsa1024)).toBe('must be at least 2048 bits');
    expect(reason('ssh-dss AAAAB3NzaC1kc3MAAACB')).toBe('type is forbidden. Must be RSA, ECDSA, or ED25519');
    expect(reason('sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t')).toMatch(/^type is forbidden/);
    expect(reason('ssh-ed25519-cert-v01@openssh.com AAAA')).toMatch(/^type is forbidden/);
    for (const bad of [
      '',
      'hello',
      `ssh-rsa ${edData}`, // blob of another type
      `ssh-ed25519 ${edData.slice(0, -4)}`, // truncated
      `ssh-ed25519 ${Buffer.concat([Buffer.from(edData, 'base64'), Buffer.from([0])]).toString('base64')}`, // trailing bytes
      'ssh-ed25519 !!!!',
      `ssh-ed25519 ${'A'.repeat(6000)}`,
    ]) {
      expect(reason(bad), bad.slice(0, 40)).toBe('is invalid');
    }
  });

  it('refuses an ECDSA point that is not on the curve', () => {
    const { public: text } = ssh2.utils.generateKeyPairSync('ecdsa', { bits: 256 });
    const [type, data] = text.split(' ') as [string, string];
    const blob = Buffer.from(data, 'base64');
    blob[blob.length - 1] ^= 0x01;
    expect(reason(`${type} ${blob.toString('base64')}`)).toBe('is invalid');
  });
});
