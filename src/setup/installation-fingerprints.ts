/**
 * What the instances of one installation must share, checked at start:
 * the server secret (token digests, sealed 2FA secrets, session flashes),
 * the registry signing key (the registry trusts one bundle) and the SSH
 * host keys (clients' known_hosts). An instance given other values would
 * start and then fail in ways no log explains — tokens unknown on one
 * instance, registry pulls refused at random, host-key warnings behind the
 * balancer. The first instance records one-way fingerprints in the shared
 * database; a later start with other values is refused with one line
 * naming the setting, until `gitgate installation adopt` records the new
 * values on purpose.
 */
import type { Clock } from '../lib/clock.js';
import { StartupError } from '../lib/startup-error.js';
import type { InstallationStore } from './installation.store.js';

/** One shared value, as this instance has it. */
export interface Fingerprint {
  /** Its permanent name in the store: `server-secret`, `registry-signing-key`, `ssh-host-keys`. */
  name: string;
  /** Where it comes from, as the refusal names it (an environment variable, a file under one). */
  setting: string;
  /** What it is, in words. */
  what: string;
  /** A one-way fingerprint: never the secret itself. */
  value: string;
}

/** A fingerprint as recorded and as this instance has it. */
export interface FingerprintComparison extends Fingerprint {
  /** What the store holds, or null when nothing is recorded yet. */
  recorded: string | null;
}

export interface InstallationFingerprintsDeps {
  store: InstallationStore;
  clock: Clock;
  /** This instance's fingerprints (may create missing keys, as a start would). */
  facts: () => Promise<Fingerprint[]>;
}

/** Checks, shows and adopts an installation's fingerprints. */
export class InstallationFingerprints {
  constructor(private readonly deps: InstallationFingerprintsDeps) {}

  /**
   * Records what is not recorded yet, then compares.
   * @throws StartupError naming the setting of the first value that differs from the recorded one.
   */
  async check(): Promise<void> {
    const now = this.deps.clock.now();
    for (const fact of await this.deps.facts()) {
      const recorded = await this.deps.store.recordIfAbsent(fact.name, fact.value, now);
      if (recorded !== fact.value) {
        throw new StartupError(
          fact.setting,
          `${fact.setting}: this instance's ${fact.what} (${fact.value}) is not the one this installation's database records (${recorded}); every instance must share it. Give this instance the same value, or run \`gitgate installation adopt\` to make this one the installation's`,
        );
      }
    }
  }

  /** This instance's fingerprints beside the recorded ones. */
  async compare(): Promise<FingerprintComparison[]> {
    const [facts, recorded] = await Promise.all([this.deps.facts(), this.deps.store.all()]);
    return facts.map((f) => ({ ...f, recorded: recorded.get(f.name) ?? null }));
  }

  /** Records this instance's values (those named in `names`, or all) as the installation's; resolves to what was recorded. */
  async adopt(names?: readonly string[]): Promise<Fingerprint[]> {
    const now = this.deps.clock.now();
    const chosen = (await this.deps.facts()).filter((f) => !names || names.includes(f.name));
    for (const fact of chosen) await this.deps.store.replace(fact.name, fact.value, now);
    return chosen;
  }
}
