/**
 * The token signing key on disk: the current key and certificate, a staged
 * next pair while a rotation is under way, the previous certificate, and the
 * root certificate bundle that a registry's `auth.token.rootcertbundle`
 * points at.
 *
 * Rotation takes two steps because distribution reads its rootcertbundle
 * only when it starts. `stage` (`gitgate registry rotate-key`) adds the next
 * certificate to the bundle while the current key keeps signing; once the
 * registry has been restarted with that bundle, `activate`
 * (`gitgate registry activate-key`) makes the next key current and keeps
 * the previous certificate in the bundle, so tokens it signed stay valid
 * until they expire, and registries not yet restarted keep working, until
 * the next activation. Every instance reading these files switches on its
 * next token request: files are replaced by rename, and a key whose
 * certificate does not match (an activation half done) is never used.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { tempNameBeside, writeFileAtomic } from '../lib/atomic-file.js';
import type { Clock } from '../lib/clock.js';
import type { GeneratedKeyPair } from './signing-certificate.js';
import { loadSigningKey, parseCertificates, SigningKeyError, type SigningKey } from './signing-key.js';

/** Where the key material lives; the staged and previous files sit beside these. */
export interface SigningKeyPaths {
  keyFile: string;
  certFile: string;
  bundleFile: string;
}

export interface SigningKeyStoreOptions {
  clock: Clock;
  logger?: Logger;
  /** Validity of generated certificates (default ten years: an expired one makes the registry refuse every token). */
  validityDays?: number;
  /** How long to wait for another process to finish writing a key pair (two renames) before failing; default 2 s. */
  settleTimeoutMs?: number;
}

const COMMON_NAME = 'gitgate registry token signing';
const SETTLE_DELAY_MS = 50;
const EXPIRY_WARNING_MS = 30 * 86_400_000;

/** The key files of one gitgate installation (see the module comment); safe to use from several processes. */
export class SigningKeyStore {
  private cached: { signature: string; key: SigningKey } | null = null;
  private loading: Promise<SigningKey> | null = null;
  private warnedSignature: string | null = null;

  constructor(
    readonly paths: SigningKeyPaths,
    private readonly options: SigningKeyStoreOptions,
  ) {}

  /** The staged next key and certificate, and the replaced certificate kept in the bundle. */
  get stagedKeyFile(): string {
    return `${this.paths.keyFile}.next`;
  }

  get stagedCertFile(): string {
    return `${this.paths.certFile}.next`;
  }

  get previousCertFile(): string {
    return `${this.paths.certFile}.previous`;
  }

  /**
   * Creates the key on first start, brings the bundle up to date and warns
   * when the certificate expires within 30 days. Returns the current key.
   */
  async ensure(): Promise<SigningKey> {
    const key = await this.current();
    await this.writeBundle();
    if (key.notAfter.getTime() - this.options.clock.now().getTime() < EXPIRY_WARNING_MS) {
      this.options.logger?.warn({ notAfter: key.notAfter, certFile: this.paths.certFile }, 'registry token signing certificate expires soon: rotate the key');
    }
    return key;
  }

  /** The key that signs now; created when missing, reloaded when another process changed the files. */
  async current(): Promise<SigningKey> {
    const signature = await this.signature(this.paths.keyFile, this.paths.certFile);
    if (this.cached && this.cached.signature === signature) return this.cached.key;
    this.loading ??= this.reload().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  /** The staged next key, or null when no rotation is under way. */
  async staged(): Promise<SigningKey | null> {
    const [keyPem, certPem] = await Promise.all([readOrNull(this.stagedKeyFile), readOrNull(this.stagedCertFile)]);
    if (keyPem === null && certPem === null) return null;
    if (keyPem === null || certPem === null) throw new SigningKeyError(`the staged key is incomplete: ${this.stagedKeyFile}`);
    return loadSigningKey(keyPem, certPem);
  }

  /** Generates the next key and publishes its certificate in the bundle; the current key keeps signing. */
  async stage(): Promise<SigningKey> {
    await this.current();
    if (await this.staged()) throw new SigningKeyError('a new key is already staged: run `gitgate registry activate-key` first');
    const pair = await this.generate();
    await writeFileAtomic(this.stagedCertFile, pair.certificatePem, 0o644);
    await writeFileAtomic(this.stagedKeyFile, pair.privateKeyPem, 0o600);
    await this.writeBundle();
    return loadSigningKey(pair.privateKeyPem, pair.certificatePem);
  }

  /**
   * Makes the staged key current. The replaced certificate stays in the
   * bundle until the next activation, unless `dropPrevious` (a compromised key).
   */
  async activate(options: { dropPrevious?: boolean } = {}): Promise<SigningKey> {
    const next = await this.staged();
    if (!next) throw new SigningKeyError('no key is staged: run `gitgate registry rotate-key` first');
    const current = await this.current();
    if (options.dropPrevious) await fs.rm(this.previousCertFile, { force: true });
    else await writeFileAtomic(this.previousCertFile, current.chainPem, 0o644);
    await fs.rename(this.stagedKeyFile, this.paths.keyFile);
    await fs.rename(this.stagedCertFile, this.paths.certFile);
    await this.writeBundle();
    return this.current();
  }

  /** The root certificate bundle: current, staged and previous certificates, PEM. */
  async bundle(): Promise<string> {
    const current = await this.current();
    const staged = await this.staged();
    const previous = (await readOrNull(this.previousCertFile)) ?? '';
    const seen = new Set<string>();
    const blocks: string[] = [];
    for (const cert of parseCertificates([current.chainPem, staged?.chainPem ?? '', previous].join('\n'))) {
      if (seen.has(cert.fingerprint256)) continue;
      seen.add(cert.fingerprint256);
      blocks.push(cert.toString().trim());
    }
    return `${blocks.join('\n')}\n`;
  }

  /** Rewrites the bundle file when its content differs. */
  async writeBundle(): Promise<void> {
    const content = await this.bundle();
    if ((await readOrNull(this.paths.bundleFile)) !== content) await writeFileAtomic(this.paths.bundleFile, content, 0o644);
  }

  private async reload(): Promise<SigningKey> {
    try {
      const loaded = await this.loadOrCreate();
      this.cached = loaded;
      return loaded.key;
    } catch (err) {
      if (!this.cached || !(err instanceof SigningKeyError)) throw err;
      // Keep signing with the last good key rather than fail every login; say so once per change.
      const signature = await this.signature(this.paths.keyFile, this.paths.certFile);
      if (this.warnedSignature !== signature) {
        this.warnedSignature = signature;
        this.options.logger?.error({ err, keyFile: this.paths.keyFile }, 'registry signing key files are unusable; still signing with the previous key');
      }
      return this.cached.key;
    }
  }

  private async loadOrCreate(): Promise<{ signature: string; key: SigningKey }> {
    const deadline = Date.now() + (this.options.settleTimeoutMs ?? 2000);
    for (;;) {
      const signature = await this.signature(this.paths.keyFile, this.paths.certFile);
      const [keyPem, certPem] = await Promise.all([readOrNull(this.paths.keyFile), readOrNull(this.paths.certFile)]);
      if (keyPem === null && certPem === null) {
        await this.create();
        continue;
      }
      try {
        if (keyPem === null) throw new SigningKeyError(`${this.paths.certFile} exists but ${this.paths.keyFile} does not`);
        if (certPem === null) throw new SigningKeyError(`${this.paths.keyFile} exists but ${this.paths.certFile} does not`);
        return { signature, key: loadSigningKey(keyPem, certPem) };
      } catch (err) {
        // Another process may be between the two renames of a creation or an activation.
        if (!(err instanceof SigningKeyError) || Date.now() >= deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, SETTLE_DELAY_MS));
      }
    }
  }

  /**
   * First start: the key is linked into place exclusively, so of several
   * processes starting at once exactly one key wins; its certificate follows.
   */
  private async create(): Promise<void> {
    const pair = await this.generate();
    await fs.mkdir(path.dirname(this.paths.keyFile), { recursive: true });
    const keyTemp = tempNameBeside(this.paths.keyFile);
    await fs.writeFile(keyTemp, pair.privateKeyPem, { mode: 0o600, flag: 'wx' });
    try {
      await fs.link(keyTemp, this.paths.keyFile);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return;
      throw err;
    } finally {
      await fs.rm(keyTemp, { force: true });
    }
    await writeFileAtomic(this.paths.certFile, pair.certificatePem, 0o644);
    this.options.logger?.info({ keyFile: this.paths.keyFile, certFile: this.paths.certFile }, 'generated the registry token signing key');
  }

  private async generate(): Promise<GeneratedKeyPair> {
    // Loaded only to generate: @peculiar/x509 would add ~20 MB and a few hundred ms to every start.
    const { generateSigningKeyPair } = await import('./signing-certificate.js');
    return generateSigningKeyPair({ now: this.options.clock.now(), validityDays: this.options.validityDays ?? 3650, commonName: COMMON_NAME });
  }

  /** Identifies the files' current versions without reading them. */
  private async signature(...files: string[]): Promise<string> {
    const stats = await Promise.all(files.map((f) => fs.stat(f).catch(() => null)));
    return stats.map((s) => (s ? `${s.ino}:${s.size}:${s.mtimeMs}` : '-')).join('|');
  }
}

async function readOrNull(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
