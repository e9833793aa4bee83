/**
 * This instance's fingerprints of what every instance of the installation
 * must share (see src/setup/installation-fingerprints.ts): one-way, so the
 * database never holds a secret. Composition code: reads the SSH host keys
 * (ssh2 loaded only when SSH is configured).
 */
import path from 'node:path';
import type { Config } from './config/config.js';
import { deriveKey, hmacHex } from './lib/secrets.js';
import type { SigningKeyStore } from './registry-tokens/signing-key.store.js';
import type { Fingerprint } from './setup/installation-fingerprints.js';

/** The fingerprints of `secret`, the registry signing key and, with SSH, the host keys; missing keys are created as a start would. */
export function installationFacts(config: Config, secret: string, registryKeys: SigningKeyStore): () => Promise<Fingerprint[]> {
  // 64 bits of an HMAC under a purpose-bound key: enough to tell two secrets apart, nothing to learn one from.
  const secretPrint = `hmac:${hmacHex(deriveKey(secret, 'installation fingerprint'), 'gitgate').slice(0, 16)}`;
  const secretSetting = config.secret ? 'GITGATE_SECRET' : `GITGATE_DATA_DIR (${path.join(config.dataDir, 'secret')})`;
  return async () => {
    const facts: Fingerprint[] = [
      { name: 'server-secret', setting: secretSetting, what: 'server secret', value: secretPrint },
      {
        name: 'registry-signing-key',
        setting: `GITGATE_REGISTRY_KEY_FILE (${config.registry.keyFile})`,
        what: 'registry token signing key',
        value: `kid:${(await registryKeys.current()).keyId}`,
      },
    ];
    if (config.ssh) {
      const { loadOrCreateHostKeys } = await import('./ssh/host-keys.js');
      const prints = loadOrCreateHostKeys(config.dataDir).map((k) => k.fingerprint);
      facts.push({
        name: 'ssh-host-keys',
        setting: `GITGATE_DATA_DIR (${path.join(config.dataDir, 'ssh')})`,
        what: 'set of SSH host keys',
        value: prints.sort().join(','),
      });
    }
    return facts;
  };
}
