/**
 * Where an installation keeps what all its instances must share, as
 * fingerprints by name (see InstallationFingerprints). Implemented in
 * src/storage (table `installation_fingerprints`).
 */
export interface InstallationStore {
  /** Every recorded fingerprint by name. */
  all(): Promise<Map<string, string>>;
  /**
   * Records `value` under `name` unless a value is recorded already (two
   * instances starting at once: the database orders them); resolves to the
   * value recorded now.
   */
  recordIfAbsent(name: string, value: string, at: Date): Promise<string>;
  /** Records `value` under `name`, replacing what was there. */
  replace(name: string, value: string, at: Date): Promise<void>;
}
