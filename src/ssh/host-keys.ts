/**
 * The SSH server's host keys: generated into the data directory on first
 * start (Ed25519 and RSA, as `ssh-keygen -A` would), then reused, so clients'
 * known_hosts entries stay valid across restarts and across instances that
 * share the data directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import ssh2 from 'ssh2';
import { fingerprintOf } from '../ssh-keys/openssh-public-key.js';

/** A host key ready for the server, with what operators publish. */
export interface HostKey {
  file: string;
  privateKey: string;
  /** `SHA256:…` of the public key. */
  fingerprint: string;
}

/** A key pair in OpenSSH text form. */
interface KeyPair {
  private: string;
  public: string;
}

const KINDS = [
  { file: 'ssh_host_ed25519_key', generate: () => wellFormed(() => ssh2.utils.generateKeyPairSync('ed25519', { comment: 'gitgate' })) },
  { file: 'ssh_host_rsa_key', generate: () => wellFormed(() => ssh2.utils.generateKeyPairSync('rsa', { bits: 3072, comment: 'gitgate' })) },
] as const;

/**
 * A generated pair that ssh2 can read back. ssh2 1.17 writes about one
 * Ed25519 key in 256 with its public point cut to 31 bytes (a leading zero
 * dropped), which no SSH implementation — ssh2 included — accepts; such a
 * key on disk would keep the SSH listener from ever starting.
 */
export function wellFormed(generate: () => KeyPair): KeyPair {
  for (;;) {
    const pair = generate();
    const parsed = ssh2.utils.parseKey(pair.private);
    if (!(parsed instanceof Error) && parsed.isPrivateKey()) return pair;
  }
}

/**
 * Reads `<dataDir>/ssh/ssh_host_{ed25519,rsa}_key`, creating the missing ones
 * (private key mode 0600, directory 0700; `.pub` beside each).
 * @throws Error naming the file when an existing key cannot be parsed.
 */
export function loadOrCreateHostKeys(dataDir: string): HostKey[] {
  const dir = path.join(dataDir, 'ssh');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return KINDS.map(({ file, generate }) => {
    const keyPath = path.join(dir, file);
    let privateKey = readIfExists(keyPath);
    if (privateKey === null) {
      const pair = generate();
      try {
        // 'wx': another instance starting at the same time keeps its key, we read it.
        fs.writeFileSync(keyPath, pair.private, { mode: 0o600, flag: 'wx' });
        fs.writeFileSync(`${keyPath}.pub`, `${pair.public}\n`, { mode: 0o644 });
        privateKey = pair.private;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        privateKey = fs.readFileSync(keyPath, 'utf8');
      }
    }
    const parsed = ssh2.utils.parseKey(privateKey);
    if (parsed instanceof Error || !parsed.isPrivateKey()) throw new Error(`SSH host key ${keyPath} cannot be read`);
    return { file: keyPath, privateKey, fingerprint: fingerprintOf(parsed.getPublicSSH()) };
  });
}

function readIfExists(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
