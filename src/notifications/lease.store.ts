/**
 * Named leases in the shared database, so that a periodic job runs on one
 * instance at a time however many run. A lease is held until `until`;
 * instances compare it with their own clocks, which must agree to well
 * within the lease time (NTP).
 */
export interface LeaseStore {
  /**
   * Takes or renews the lease `name` for `holder` until `until`: true when
   * `holder` now holds it, false while another holder's lease runs past `now`.
   */
  acquire(name: string, holder: string, now: Date, until: Date): Promise<boolean>;
  /** Gives the lease up if `holder` holds it, so another instance may take it at once. */
  release(name: string, holder: string): Promise<void>;
}
